/**
 * The built package as users get it: ESM and CJS entry points load and agree, the CLI and its
 * worker file run from dist/. Needs `npm run build` first, which `npm test` runs; without dist/
 * these tests fail and say so rather than skip.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { modelDir } from "../local/helpers.js";

const root = join(import.meta.dirname, "..", "..");
const dist = join(root, "dist");
const built = existsSync(join(dist, "index.js"));
const require = createRequire(import.meta.url);

describe("built package (dist/)", () => {
  beforeAll(() => {
    if (!built) throw new Error("dist/ is missing: run `npm run build` (npm test does) before these tests");
  });

  it.each(["index", "remote", "server", "langchain", "ai-sdk", "ai-sdk-v4", "llamaindex", "mastra"])("loads %s from ESM and CJS with the same exports", async (entry) => {
    const esm = (await import(join(dist, `${entry}.js`))) as Record<string, unknown>;
    const cjs = require(join(dist, `${entry}.cjs`)) as Record<string, unknown>;
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
    expect(Object.keys(esm).length).toBeGreaterThan(0);
  });

  // Loaded native code shows in the process report's shared objects, whichever module system
  // pulled it in; the module caches are checked too (require.cache for CJS, and for ESM the
  // CJS modules an import pulled in, which land in the same cache).
  const NATIVE_CHECK =
    "const so = process.report.getReport().sharedObjects.filter((f) => /onnxruntime/i.test(f));" +
    "const cjs = Object.keys(require('node:module')._cache).filter((k) => k.includes('onnxruntime'));" +
    "console.log(JSON.stringify({ native: so.length > 0, modules: cjs.length > 0 }));";
  const loadsNative = (code: string, esm: boolean) =>
    JSON.parse(
      execFileSync(process.execPath, [...(esm ? ["--input-type=module"] : []), "-e", esm ? `import { createRequire } from "node:module"; const require = createRequire(import.meta.url); ${code}` : code]).toString(),
    ) as { native: boolean; modules: boolean };

  it.each(["remote", "index", "langchain", "ai-sdk", "ai-sdk-v4", "llamaindex", "mastra"])("does not load onnxruntime-node when importing the %s entry (CJS and ESM)", (entry) => {
    const cjs = loadsNative(`require(${JSON.stringify(join(dist, `${entry}.cjs`))}); ${NATIVE_CHECK}`, false);
    const esm = loadsNative(`await import(${JSON.stringify(pathToFileURL(join(dist, `${entry}.js`)).href)}); ${NATIVE_CHECK}`, true);
    expect({ cjs, esm }).toEqual({ cjs: { native: false, modules: false }, esm: { native: false, modules: false } });
  });

  it("the native check sees onnxruntime-node once a local model is used (CJS and ESM)", async () => {
    const dir = JSON.stringify(await modelDir("cross-encoder"));
    const use = (mod: string) => `const m = ${mod}; const s = await m.loadScorer(${dir}); await s.score("q", ["d"]); await s.close(); ${NATIVE_CHECK}`;
    const cjs = loadsNative(`(async () => { ${use(`require(${JSON.stringify(join(dist, "index.cjs"))})`)} })()`, false);
    const esm = loadsNative(use(`await import(${JSON.stringify(pathToFileURL(join(dist, "index.js")).href)})`), true);
    expect(cjs.native).toBe(true);
    expect(esm.native).toBe(true);
  });

  it("runs the CLI from dist", async () => {
    const dir = await modelDir("cross-encoder");
    const out = execFileSync(process.execPath, [join(dist, "cli.js"), "rerank", "--model", dir, "--query", "capital of france", "--top-n", "1"], {
      input: "paris is the capital of france\nberlin\n",
    });
    // One JSON line per kept document (the CLI streams JSON lines).
    const lines = out.toString().trim().split("\n").map((l) => JSON.parse(l) as { index: number; score: number });
    expect(lines).toHaveLength(1);
    // A random tiny model: which line wins means nothing, only the shape is checked.
    expect([0, 1]).toContain(lines[0]!.index);
    expect(typeof lines[0]!.score).toBe("number");
  });

  it("starts a worker-thread scorer from dist/worker.js", async () => {
    const { loadWorkerScorer } = (await import(join(dist, "index.js"))) as typeof import("../../src/index.js");
    const scorer = await loadWorkerScorer(await modelDir("cross-encoder"));
    const scores = await scorer.score("capital of france", ["paris", "berlin"]);
    expect(scores).toHaveLength(2);
    await scorer.close();
  });

  describe("framework adapters load only their own framework", () => {
    /** Packages a child process loaded (ESM resolutions and CJS require.cache), by name. */
    function loadedPackages(args: string[]): Set<string> {
      const dir = mkdtempSync(join(tmpdir(), "rerank-kit-loads-"));
      const record = join(dir, "loads.txt");
      try {
        execFileSync(process.execPath, ["--import", join(root, "test/package/helpers/record-loads.mjs"), join(root, "test/package/helpers/adapter-probe.mjs"), ...args], {
          env: { ...process.env, RECORD_LOADS: record },
        });
        const names = readFileSync(record, "utf8").match(/node_modules\/(@[^/]+\/)?[^/]+/g) ?? [];
        return new Set(names.map((n) => n.slice("node_modules/".length)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const frameworks = ["@langchain/core", "@ai-sdk/provider", "ai", "@llamaindex/core", "llamaindex", "@mastra/core", "@mastra/rag"];
    const own: Record<string, string[]> = { "ai-sdk": [], "ai-sdk-v4": [], llamaindex: ["@llamaindex/core"], mastra: [] };

    it.each(Object.keys(own).flatMap((entry) => [`${entry}.js`, `${entry}.cjs`]))("importing %s loads no other framework and no native code", (file) => {
      const loaded = loadedPackages([join(dist, file)]);
      const entry = file.replace(/\.c?js$/, "");
      expect(frameworks.filter((f) => loaded.has(f))).toEqual(own[entry]);
      expect([...loaded].filter((p) => p.includes("onnxruntime"))).toEqual([]);
    });

    it.each(Object.keys(own).flatMap((entry) => [`${entry}.js`, `${entry}.cjs`]))("%s runs a model folder in a worker thread by default (no ONNX Runtime in the main thread)", async (file) => {
      const dir = await modelDir("cross-encoder");
      expect([...loadedPackages([join(dist, file), dir, "worker"])].filter((p) => p.includes("onnxruntime"))).toEqual([]);
    });

    it("loads ONNX Runtime in the main thread with worker: false (the probe can see it)", async () => {
      const dir = await modelDir("cross-encoder");
      expect(loadedPackages([join(dist, "ai-sdk.cjs"), dir, "in-process"]).has("onnxruntime-node")).toBe(true);
      expect(loadedPackages([join(dist, "mastra.js"), dir, "in-process"]).has("onnxruntime-node")).toBe(true);
    });
  });
});
