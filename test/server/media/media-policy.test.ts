/**
 * The media URL policy of `serve`, end to end over a CLIP model: data: always, http(s) only from
 * allowed domains at allowed addresses, file: only inside the allowed directory, bounded in size
 * and time. Each refusal is a 4xx in vLLM's envelope, and the media server's log shows that
 * nothing refused was fetched.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageTextScorer } from "../../../src/local/image-text/image-text-scorer.js";
import { IMAGES_ROOT } from "../../imaging/golden-inputs.js";
import { createServer } from "../../../src/server/index.js";
import { post, start } from "../helpers.js";
import { startMediaServer, type MediaServer } from "./media-server.js";

const PNG = join(IMAGES_ROOT, "inputs", "rgb-61x47.png");
const OTHER = join(IMAGES_ROOT, "inputs", "photo-64x48.jpg");
const image = (url: string) => ({ content: [{ type: "image_url", image_url: { url } }] });

describe("media URL policy", () => {
  let clip: ImageTextScorer;
  let media: MediaServer;
  let dir: string;
  let want: number;
  beforeAll(async () => {
    clip = await ImageTextScorer.fromPretrained(join(IMAGES_ROOT, "clip", "split"), { threads: 1 });
    [want] = (await clip.score("a red car", { image: PNG })) as [number];
    media = await startMediaServer(readFileSync(PNG));
    dir = mkdtempSync(join(tmpdir(), "rk-media-"));
    mkdirSync(join(dir, "allowed"));
    writeFileSync(join(dir, "allowed", "a.png"), readFileSync(PNG));
    writeFileSync(join(dir, "outside.png"), readFileSync(OTHER));
    symlinkSync(join(dir, "outside.png"), join(dir, "allowed", "escape.png"));
    symlinkSync(join(dir, "allowed", "a.png"), join(dir, "allowed", "link.png"));
    writeFileSync(join(dir, "allowed", "garbage.png"), "not an image at all");
  });
  afterAll(async () => {
    await media?.close();
    await clip?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const score = async (url: string, server: string) => post(`${server}/score`, { queries: "a red car", documents: [image(url)] });
  const open = { allowedMediaDomains: ["127.0.0.1"], allowPrivateMediaAddresses: true };

  it("fetches an allowed http URL, follows a same-host redirect, and scores it as the local file", async () => {
    const { url } = await start({ scorer: clip, ...open });
    for (const path of ["/a.png", "/same"]) {
      const r = await score(`${media.url}${path}`, url);
      expect(r.status).toBe(200);
      expect(Math.abs(r.body.data[0].score - want)).toBeLessThan(1e-6);
    }
    const rerank = await post(`${url}/rerank`, { query: "a red car", documents: [image(`${media.url}/a.png`)] });
    expect(rerank.status).toBe(200);
    // The answer echoes the document as sent, not the fetched bytes.
    expect(rerank.body.results[0].document.multi_modal[0].image_url.url).toBe(`${media.url}/a.png`);
  });

  it("127.0.0.1 is private: refused by default, and never contacted", async () => {
    const { url } = await start({ scorer: clip, allowedMediaDomains: ["127.0.0.1"] });
    const before = media.hits.length;
    const r = await score(`${media.url}/a.png`, url);
    expect(r.status).toBe(422);
    expect(r.body.error.type).toBe("UnprocessableEntityError");
    expect(r.body.error.message).toContain("resolves to 127.0.0.1, a private, loopback or link-local address");
    expect(media.hits.length).toBe(before);
  });

  it("a domain outside the list, or no list at all, is a 400 before any lookup", async () => {
    const before = media.hits.length;
    const listed = await start({ scorer: clip, allowedMediaDomains: ["images.example.com"], allowPrivateMediaAddresses: true });
    const r = await score(`${media.url}/a.png`, listed.url);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('The URL must be from one of the allowed domains: ["images.example.com"]. Input URL domain: 127.0.0.1');
    const none = await start({ scorer: clip, allowPrivateMediaAddresses: true });
    const r2 = await score(`${media.url}/a.png`, none.url);
    expect(r2.status).toBe(400);
    expect(r2.body.error.message).toContain("--allowed-media-domains");
    expect(media.hits.length).toBe(before);
  });

  it("a redirect to another host is refused and the other host is not contacted", async () => {
    const target = await startMediaServer(readFileSync(PNG));
    const redirecting = await startMediaServer(readFileSync(PNG), `http://localhost:${target.port}/a.png`);
    try {
      const { url } = await start({ scorer: clip, allowedMediaDomains: ["127.0.0.1", "localhost"], allowPrivateMediaAddresses: true });
      const r = await score(`${redirecting.url}/other`, url);
      expect(r.status).toBe(422);
      expect(r.body.error.message).toContain("redirected to another host (http://localhost)");
      expect(target.hits).toEqual([]);
    } finally {
      await target.close();
      await redirecting.close();
    }
  });

  it("an oversized image is cut off (declared or streamed), a slow server times out, an HTTP error is a 422", async () => {
    const { url } = await start({ scorer: clip, ...open, maxMediaBytes: 10_000, mediaFetchTimeoutMs: 300 });
    for (const path of ["/declared-big", "/big"]) {
      const r = await score(`${media.url}${path}`, url);
      expect(r.status).toBe(422);
      expect(r.body.error.message).toContain("larger than the server's limit of 10000 bytes");
    }
    const t0 = Date.now();
    const slow = await score(`${media.url}/slow`, url);
    expect(slow.status).toBe(422);
    expect(slow.body.error.message).toContain("did not finish within 300 ms");
    expect(Date.now() - t0).toBeLessThan(3000);
    const missing = await score(`${media.url}/404`, url);
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toContain("HTTP 404 error");
  });

  it("an undecodable download is a 400 naming the item", async () => {
    const { url } = await start({ scorer: clip, ...open });
    const r = await score(`${media.url}/garbage`, url);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("documents[0]");
  });

  it("file: URLs only inside the allowed directory, symlinks resolved", async () => {
    const { url } = await start({ scorer: clip, allowedLocalMediaPath: join(dir, "allowed") });
    for (const name of ["a.png", "link.png"]) {
      const ok = await score(pathToFileURL(join(dir, "allowed", name)).href, url);
      expect(ok.status).toBe(200);
      expect(Math.abs(ok.body.data[0].score - want)).toBeLessThan(1e-6);
    }
    for (const path of [join(dir, "outside.png"), join(dir, "allowed", "escape.png"), join(dir, "allowed", "..", "outside.png")]) {
      const r = await score(pathToFileURL(path).href, url);
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain("must be a subpath of --allowed-local-media-path");
    }
    const traversal = await score(`file://${join(dir, "allowed")}/%2e%2e/outside.png`, url);
    expect(traversal.status).toBe(400);
    const garbage = await score(pathToFileURL(join(dir, "allowed", "garbage.png")).href, url);
    expect(garbage.status).toBe(400);
    const none = await start({ scorer: clip });
    const r = await score(pathToFileURL(join(dir, "allowed", "a.png")).href, none.url);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("--allowed-local-media-path");
  });

  it("createServer refuses a local media path that is not a directory, and a domain with a scheme", () => {
    expect(() => createServer({ scorer: clip, allowedLocalMediaPath: join(dir, "missing") })).toThrow(/does not exist/);
    expect(() => createServer({ scorer: clip, allowedLocalMediaPath: join(dir, "outside.png") })).toThrow(/must be a directory/);
    expect(() => createServer({ scorer: clip, allowedMediaDomains: ["https://images.example.com"] })).toThrow(/host names/);
  });
});
