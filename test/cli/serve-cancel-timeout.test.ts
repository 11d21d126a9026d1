/**
 * `serve --cancel-timeout-ms`: how long a worker may keep running a request that was cancelled
 * (a 504 from `--timeout-ms`, a client that left) before it is terminated and replaced. It was a
 * fixed 2 s; the flag hands the pool's `cancelTimeoutMs` to the loader, checked as a non-negative
 * integer, and `--help` states the pool's own default.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { run } from "../../src/cli/program.js";
import { DEFAULT_CANCEL_TIMEOUT_MS, DEFAULT_LOAD_TIMEOUT_MS } from "../../src/local/worker-pool/start-pool.js";

const loads: unknown[] = [];

vi.mock("../../src/local/worker-pool/index.js", () => ({
  loadWorkerScorer: async (model: string, options: unknown) => {
    loads.push(options);
    return { model, scoreType: "cross-encoder", score: async () => [], close: async () => undefined };
  },
}));
vi.mock("../../src/local/files/model-files.js", () => ({ loadModelFiles: async () => ({}) }));
vi.mock("../../src/local/detect-family.js", () => ({ detectFamily: () => ({ scoreType: "cross-encoder" }) }));
// serve waits for SIGTERM once listening: stop it at listen.
vi.mock("../../src/server/index.js", () => ({
  createServer: () => ({
    listen: async () => {
      throw new Error("stop here");
    },
    close: async () => undefined,
  }),
}));

const out: string[] = [];
const err: string[] = [];
beforeEach(() => {
  loads.length = 0;
  out.length = 0;
  err.length = 0;
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

const serve = (...args: string[]): Promise<number> => run(["node", "rerank-kit", "serve", "-m", "some/model", ...args]);

describe("serve --cancel-timeout-ms", () => {
  it("reaches the worker pool as cancelTimeoutMs, 0 included", async () => {
    await serve("--cancel-timeout-ms", "0");
    await serve("--cancel-timeout-ms", "15000");
    await serve();
    expect(loads.map((o) => (o as { cancelTimeoutMs?: number }).cancelTimeoutMs)).toEqual([0, 15000, undefined]);
  });

  it.each(["-1", "1.5", "2s", ""])("refuses %j as a usage error naming the flag", async (value) => {
    expect(await serve("--cancel-timeout-ms", value)).toBe(2);
    expect(err.join("")).toContain("--cancel-timeout-ms");
    expect(loads).toEqual([]);
  });

  it("--help states the pool's defaults for the cancel and load bounds", async () => {
    await run(["node", "rerank-kit", "serve", "--help"]);
    const help = out.join("").replace(/\s+/g, " ");
    expect(help).toMatch(new RegExp(`--cancel-timeout-ms <ms> (?:(?! --).)*\\(default: ${DEFAULT_CANCEL_TIMEOUT_MS}\\)`));
    expect(help).toMatch(new RegExp(`--load-timeout-ms <ms> (?:(?! --).)*\\(default: ${DEFAULT_LOAD_TIMEOUT_MS}\\)`));
  });
});
