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

  const refusal = (sources: Parameters<typeof resolveApiKey>[0]): CliError => {
    try {
      resolveApiKey(sources, warn);
    } catch (error) {
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(2);
      return error as CliError;
    }
    throw new Error("not refused");
  };

  it("refuses --api-key and --api-key-file together, whichever holds a key", () => {
    const file = join(dir, "both");
    writeFileSync(file, "from-file\n");
    expect(refusal({ flag: "from-flag", file }).message).toBe("give the API key once: --api-key or --api-key-file, not both");
    expect(refusal({ flag: "from-flag", file, env: "from-env" }).message).toBe("give the API key once: --api-key or --api-key-file, not both");
  });

  it("names the --api-key-file it cannot read and the reason code", () => {
    const missing = join(dir, "no-such-key");
    expect(refusal({ file: missing }).message).toBe(`cannot read --api-key-file ${missing}: ENOENT`);
  });

  it("drops only the trailing newline of a key file, never one inside it, and takes CRLF files", () => {
    const inner = join(dir, "inner");
    writeFileSync(inner, "a\nb\n");
    expect(resolveApiKey({ file: inner }, warn)).toBe("a\nb");
    const crlf = join(dir, "crlf");
    writeFileSync(crlf, "s3cret\r\n");
    expect(resolveApiKey({ file: crlf }, warn)).toBe("s3cret");
  });

  it("refuses a key of blanks only from the file or the flag", () => {
    const blank = join(dir, "blank");
    writeFileSync(blank, "   \n");
    expect(refusal({ file: blank }).message).toBe(`--api-key-file ${blank} is empty; refusing to start an open server`);
    expect(refusal({ flag: "  " }).message).toBe("--api-key is empty; refusing to start an open server");
  });

  it("counts every 127.x.y.z address and IPv4-mapped 127.0.0.1 as loopback, whatever the digits per part", () => {
    for (const host of ["127.10.20.30", "127.0.10.1", "127.0.0.10", "127.255.255.254", "::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "LOCALHOST"]) {
      expect(isLoopback(host), host).toBe(true);
    }
  });

  it("does not take a host name that merely contains a loopback address, or stray brackets, for loopback", () => {
    // DNS names that can resolve anywhere.
    for (const host of ["evil127.0.0.1", "127.0.0.1.example.org", "[[::1]", "[::1]]", "local[host", "local]host"]) {
      expect(isLoopback(host), host).toBe(false);
    }
  });

  it("tells the user how to set a key in the open-bind warning", () => {
    expect(openBindWarning("0.0.0.0", undefined)).toBe(
      "rerank-kit: WARNING: serving on 0.0.0.0 without an API key: anyone who can reach this port can use the model. Set RERANK_KIT_API_KEY or --api-key-file.",
    );
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
