/**
 * A fake Hugging Face Hub on 127.0.0.1 serving repos from folders the way huggingface.co does
 * (model info, tree listing, paths-info, ranged resolve downloads), for the Hub-id loading tests.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join, relative } from "node:path";

export const COMMIT = "0123456789abcdef0123456789abcdef01234567";

export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((p) => statSync(join(dir, p)).isFile() && !p.startsWith("."))
    .map((p) => relative(dir, join(dir, p)));
}

/** A fake Hub serving repos from folders; records downloads (any range but the 1-byte probe) by repo/path. */
export function fakeHub(repos: Record<string, string>): { server: Server; downloads: string[]; fullDownloads: string[] } {
  const downloads: string[] = [];
  const fullDownloads: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const REPO = Object.keys(repos).find((r) => url.pathname.includes(`/${r}/`)) ?? "";
    const dir = repos[REPO] ?? "";
    const files = REPO ? listFiles(dir) : [];
    const oid = (p: string) => createHash("sha1").update(readFileSync(join(dir, p))).digest("hex");
    const json = (body: unknown, status = 200) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === `/api/models/${REPO}/revision/main`) {
      return json({ _id: "1", id: REPO, sha: COMMIT, private: false, downloads: 0, likes: 0, lastModified: "2026-01-01T00:00:00Z" });
    }
    if (url.pathname === `/api/models/${REPO}/tree/${COMMIT}`) {
      return json(files.map((path) => ({ type: "file", path, size: statSync(join(dir, path)).size, oid: oid(path) })));
    }
    if (url.pathname === `/api/models/${REPO}/paths-info/${COMMIT}` && req.method === "POST") {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const { paths } = JSON.parse(body) as { paths: string[] };
        json(paths.filter((p) => files.includes(p)).map((path) => ({ type: "file", path, oid: oid(path), size: statSync(join(dir, path)).size })));
      });
      return;
    }
    const prefix = `/${REPO}/resolve/${COMMIT}/`;
    if (url.pathname.startsWith(prefix)) {
      const path = decodeURIComponent(url.pathname.slice(prefix.length));
      if (!files.includes(path)) {
        res.writeHead(404, { "x-error-code": "EntryNotFound" });
        return res.end();
      }
      const data = readFileSync(join(dir, path));
      const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? "");
      const start = m ? Number(m[1]) : 0;
      const end = m && m[2] ? Math.min(Number(m[2]), data.length - 1) : data.length - 1;
      if (!(start === 0 && end === 0)) downloads.push(`${REPO}/${path}`);
      if (start === 0 && end === data.length - 1) fullDownloads.push(`${REPO}/${path}`);
      res.writeHead(m ? 206 : 200, {
        etag: `"${oid(path)}"`,
        "content-range": `bytes ${start}-${end}/${data.length}`,
        "content-length": end - start + 1,
      });
      return res.end(data.subarray(start, end + 1));
    }
    json({ error: `not found: ${url.pathname}` }, 404);
  });
  return { server, downloads, fullDownloads };
}
