import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isLoopback, openBindWarning, resolveApiKey } from "../../src/cli/api-key.js";
import { CliError } from "../../src/cli/cli-error.js";
import { createServer } from "../../src/server/index.js";
import { FakeScorer } from "../server/fakes.js";
import { runCli } from "./run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "rerank-kit-key-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("serve API key sources", () => {
  const warnings: string[] = [];
  const warn = (l: string): number => warnings.push(l);

  it("reads the key from --api-key-file without its trailing newline", () => {
    const file = join(dir, "key");
    writeFileSync(file, "s3cret\n");
    expect(resolveApiKey({ file }, warn)).toBe("s3cret");
  });

  it("refuses an empty key from the flag, the file or the environment", () => {
    const empty = join(dir, "empty");
    writeFileSync(empty, "\n");
    for (const sources of [{ flag: "" }, { file: empty }, { env: "" }, { env: "  " }]) {
      const e = (() => {
        try {
          resolveApiKey(sources, warn);
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(CliError);
      expect((e as CliError).exitCode).toBe(2);
      expect((e as Error).message).toMatch(/empty/);
    }
  });

  it("takes the environment variable, and warns that a flag key shows in ps", () => {
    expect(resolveApiKey({ env: "from-env" }, warn)).toBe("from-env");
    warnings.length = 0;
    expect(resolveApiKey({ flag: "k" }, warn)).toBe("k");
    expect(warnings.join("")).toContain("visible to other users in `ps`");
  });

  it("tells loopback binds from the others", () => {
    expect(["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"].every(isLoopback)).toBe(true);
    expect(["0.0.0.0", "::", "10.0.0.1", "example.org"].some(isLoopback)).toBe(false);
  });

  it("warns loudly for a non-loopback bind without a key, and only then", () => {
    expect(openBindWarning("0.0.0.0", undefined)).toMatch(/^rerank-kit: WARNING: serving on 0.0.0.0 without an API key/);
    expect(openBindWarning("0.0.0.0", "k")).toBeUndefined();
    expect(openBindWarning("127.0.0.1", undefined)).toBeUndefined();
  });

  it("createServer refuses an empty apiKey instead of serving open", () => {
    expect(() => createServer({ scorer: new FakeScorer(), apiKey: "" })).toThrow(/empty/);
  });

  it("serve exits 2 on an empty RERANK_KIT_API_KEY before loading the model", async () => {
    const r = await runCli(["serve", "-m", "/no/model", "--api-key", ""]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--api-key is empty; refusing to start an open server");
  });
});

describe("/docs", () => {
  it("is a self-contained page (no CDN), open with a key; the spec needs the key unless publicDocs", async () => {
    const scorer = new FakeScorer();
    for (const publicDocs of [false, true]) {
      const server = createServer({ scorer, apiKey: "k", publicDocs });
      const docs = await server.fetch(new Request("http://x/docs"));
      expect(docs.status).toBe(200);
      const html = await docs.text();
      expect(html).not.toMatch(/https?:\/\//);
      expect(html).toContain('fetch("openapi.json"');
      const spec = await server.fetch(new Request("http://x/openapi.json"));
      expect(spec.status).toBe(publicDocs ? 200 : 401);
      const withKey = await server.fetch(new Request("http://x/openapi.json", { headers: { authorization: "Bearer k" } }));
      expect(withKey.status).toBe(200);
      await server.close();
    }
  });
});
