/**
 * Workers must not inherit main-entry flags: under `node --input-type=module -e`, a worker started
 * with the parent's flags dies with ERR_INPUT_TYPE_NOT_ALLOWED. Runs the built package (dist/),
 * whose workers start from dist/worker.js; needs `npm run build` first (npm test runs it).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { workerExecArgv } from "../../src/local/worker-pool/exec-argv.js";
import { modelDir } from "../local/helpers.js";

const dist = join(import.meta.dirname, "..", "..", "dist");

describe("worker flags", () => {
  it("drops the main-entry flags and their values, keeps the rest", () => {
    expect(workerExecArgv(["--input-type=module", "-e", "code", "--conditions=dev"])).toEqual(["--conditions=dev"]);
    expect(workerExecArgv(["--input-type", "module", "--print", "1", "--enable-source-maps"])).toEqual(["--enable-source-maps"]);
    // Nothing to drop: undefined, so the worker inherits the parent's flags as Node filters them.
    expect(workerExecArgv(["--enable-source-maps", "--max-old-space-size=4096"])).toBeUndefined();
  });

  it("a worker scorer starts from a `node --input-type=module -e` process, process-wide flags included", async () => {
    if (!existsSync(join(dist, "index.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does) before this test");
    const dir = JSON.stringify(await modelDir("cross-encoder"));
    const code =
      `const { loadWorkerScorer } = await import(${JSON.stringify(pathToFileURL(join(dist, "index.js")).href)});` +
      `const s = await loadWorkerScorer(${dir}); const scores = await s.score("q", ["a", "b"]); await s.close();` +
      `console.log(JSON.stringify(scores.length));`;
    // --max-old-space-size is refused by Worker's execArgv: it must be dropped, not passed on.
    const out = execFileSync(process.execPath, ["--max-old-space-size=2048", "--input-type=module", "-e", code], { timeout: 60_000 }).toString();
    expect(JSON.parse(out.trim())).toBe(2);
  });
});
