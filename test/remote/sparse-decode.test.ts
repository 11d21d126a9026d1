/**
 * RemoteSparseEmbedder.decode: token strings from the server for a sparse vector's entries,
 * heaviest first. Against `rerank-kit serve` (vLLM's /detokenize) on the tiny SPLADE golden model,
 * where it must equal the local model's decode, and against fake TEI / vLLM servers on 127.0.0.1
 * for the wire shapes, batching and what a broken server could answer.
 */
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors/index.js";
import { loadScorer, type LocalScorer } from "../../src/local/index.js";
import { MalformedResponseError, NotFoundError, RemoteSparseEmbedder } from "../../src/remote/index.js";
import type { SparseVector } from "../../src/scoring/sparse.js";
import { start } from "../server/helpers.js";
import { sendJSON, startServer, type TestServer } from "./fakes/http-server.js";

const vector = (entries: Array<[number, number]>): SparseVector => {
  const sorted = [...entries].sort((a, b) => a[0] - b[0]);
  return { indices: Uint32Array.from(sorted, (e) => e[0]), values: Float32Array.from(sorted, (e) => e[1]) };
};

describe("RemoteSparseEmbedder.decode against rerank-kit serve", () => {
  let model: LocalScorer;
  beforeAll(async () => {
    model = await loadScorer(join(import.meta.dirname, "..", "golden", "sparse", "splade-max"), { threads: 1 });
  });
  afterAll(() => model.close());

  it("vllm dialect: /detokenize gives the local model's decode, heaviest first", async () => {
    const { url } = await start({ scorer: model });
    if (!("decode" in model) || !("embedSparse" in model)) throw new Error("not a sparse model");
    const [v] = await model.embedSparse(["Paris is the capital and largest city of France."]);
    const remote = new RemoteSparseEmbedder({ baseURL: `${url}/v1`, dialect: "vllm" });
    const got = await remote.decode(v!, 6);
    expect(got).toEqual(model.decode(v!, 6));
    expect(got.length).toBe(6);
  });
});

describe("RemoteSparseEmbedder.decode wire shapes (fake servers)", () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it("tei: POST /decode with one id list per entry, special tokens kept, 32 ids a request, heaviest first then by id", async () => {
    server = await startServer((req, res) => {
      const body = req.body as { ids: number[][] };
      if (req.path !== "/decode") return false;
      sendJSON(res, 200, body.ids.map(([id]) => `t${id}`));
    });
    const entries: Array<[number, number]> = Array.from({ length: 40 }, (_, i) => [100 + i, i % 5 === 0 ? 2 : 1 + i / 100]);
    const v = vector(entries);
    const remote = new RemoteSparseEmbedder({ baseURL: server.url, dialect: "tei", maxConcurrency: 1 });
    const got = await remote.decode(v);
    const want = [...entries].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => `t${id}`);
    expect(got.map(([t]) => t)).toEqual(want);
    expect(got[0]).toEqual(["t100", 2]);
    expect(server.requests.map((r) => (r.body as { ids: number[][] }).ids.length)).toEqual([32, 8]);
    expect((server.requests[0]!.body as { skip_special_tokens: boolean }).skip_special_tokens).toBe(false);
    server.reset();
    expect(await remote.decode(v, 3)).toEqual([["t100", 2], ["t105", 2], ["t110", 2]]);
    expect(server.requests.length).toBe(1);
  });

  it("vllm and vllm-bge-m3: one POST /detokenize per id at the server root, with the model", async () => {
    server = await startServer((req, res) => {
      if (req.path !== "/detokenize") return false;
      sendJSON(res, 200, { prompt: `p${(req.body as { tokens: number[] }).tokens.join(",")}` });
    });
    for (const dialect of ["vllm", "vllm-bge-m3"] as const) {
      server.reset();
      const remote = new RemoteSparseEmbedder({ baseURL: `${server.url}/v1`, dialect, model: "m" });
      expect(await remote.decode(vector([[7, 0.5], [3, 0.9], [9, 0.1]]))).toEqual([["p3", expect.closeTo(0.9, 6)], ["p7", 0.5], ["p9", expect.closeTo(0.1, 6)]]);
      expect(server.requests.map((r) => r.body)).toEqual(expect.arrayContaining([{ tokens: [3], model: "m" }, { tokens: [7], model: "m" }, { tokens: [9], model: "m" }]));
      expect(server.requests.length).toBe(3);
    }
  });

  it("refuses a bad topK or option before any request, and answers [] for an empty vector without one", async () => {
    server = await startServer(() => false);
    const remote = new RemoteSparseEmbedder({ baseURL: server.url, dialect: "tei" });
    await expect(remote.decode(vector([[1, 1]]), 0)).rejects.toThrow(InvalidOptionError);
    await expect(remote.decode(vector([[1, 1]]), 1.5)).rejects.toThrow(/topK must be an integer >= 1/);
    await expect(remote.decode(vector([[1, 1]]), 1, { topK: 2 } as never)).rejects.toThrow(InvalidOptionError);
    expect(await remote.decode(vector([]))).toEqual([]);
    expect(server.requests.length).toBe(0);
  });

  it("refuses a wrong count, a non-string, a vLLM answer without prompt, and names a missing route", async () => {
    const answers: unknown[] = [["only-one"], [1, 2], { text: "x" }];
    server = await startServer((req, res) => {
      if (req.path === "/missing") return false;
      sendJSON(res, 200, answers.shift());
    });
    const tei = new RemoteSparseEmbedder({ baseURL: server.url, dialect: "tei", maxRetries: 0 });
    await expect(tei.decode(vector([[1, 1], [2, 1]]))).rejects.toThrow(MalformedResponseError);
    await expect(tei.decode(vector([[1, 1], [2, 1]]))).rejects.toThrow(/\[0\] is 1, not a string/);
    const vllm = new RemoteSparseEmbedder({ baseURL: server.url, dialect: "vllm", maxRetries: 0 });
    await expect(vllm.decode(vector([[1, 1]]))).rejects.toThrow(/string `prompt`/);
    const none = await startServer(() => false);
    try {
      await expect(new RemoteSparseEmbedder({ baseURL: none.url, dialect: "tei", maxRetries: 0 }).decode(vector([[1, 1]]))).rejects.toThrow(NotFoundError);
    } finally {
      await none.close();
    }
  });
});
