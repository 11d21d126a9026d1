/**
 * RemoteSparseEmbedder against `rerank-kit serve`'s own routes (TEI's /embed_sparse, vLLM's SPLADE
 * embed task, bge-m3's token_classify) on the tiny golden models, and against a fake TEI server
 * that answers what a broken or hostile server could.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InvalidInputError, InvalidOptionError } from "../../src/errors/index.js";
import { loadScorer, type LocalScorer } from "../../src/local/index.js";
import { MalformedResponseError, RemoteSparseEmbedder } from "../../src/remote/index.js";
import type { SparseVector } from "../../src/scoring/sparse.js";
import { start } from "../server/helpers.js";
import { sendJSON, startServer, type TestServer } from "./fakes/http-server.js";

const GOLDEN = join(import.meta.dirname, "..", "golden", "sparse");
type Row = { indices: number[]; values: number[] };
const splade = JSON.parse(readFileSync(join(GOLDEN, "splade-max", "golden.json"), "utf8")) as { documents: string[]; document: Row[] };
const m3 = JSON.parse(readFileSync(join(GOLDEN, "bge-m3", "golden.json"), "utf8")) as {
  documents: string[];
  document: { sparse: Row[]; ids: number[][] };
};

function maxErr(got: SparseVector[], want: Row[]): number {
  let m = 0;
  got.forEach((v, i) => {
    const x = new Map(Array.from(v.indices, (id, k) => [id, v.values[k] as number]));
    const row = want[i] as Row;
    const y = new Map(row.indices.map((id, k) => [id, row.values[k] as number]));
    for (const id of new Set([...x.keys(), ...y.keys()])) m = Math.max(m, Math.abs((x.get(id) ?? 0) - (y.get(id) ?? 0)));
  });
  return m;
}

const loaded: LocalScorer[] = [];
let spladeModel: LocalScorer;
let m3Model: LocalScorer;
beforeAll(async () => {
  spladeModel = await loadScorer(join(GOLDEN, "splade-max"), { threads: 1 });
  m3Model = await loadScorer(join(GOLDEN, "bge-m3"), { threads: 1 });
  loaded.push(spladeModel, m3Model);
});
afterAll(async () => {
  await Promise.all(loaded.map((s) => s.close()));
});

describe("RemoteSparseEmbedder against rerank-kit serve", () => {
  it("reads TEI's /embed_sparse and vLLM's SPLADE vectors with the golden's numbers", async () => {
    const { url } = await start({ scorer: spladeModel });
    const vocabularySize = (spladeModel as unknown as { vocabularySize: number }).vocabularySize;
    const tei = await new RemoteSparseEmbedder({ baseURL: url, dialect: "tei", vocabularySize }).embedSparse(splade.documents, { truncate: true });
    expect(maxErr(tei, splade.document)).toBeLessThan(1e-4);
    const vllm = new RemoteSparseEmbedder({ baseURL: `${url}/v1`, dialect: "vllm", vocabularySize, maxTextsPerRequest: 2 });
    const { vectors, usage } = await vllm.embedSparseWithUsage(splade.documents, { truncate: true });
    expect(maxErr(vectors, splade.document)).toBeLessThan(1e-4);
    expect(usage.promptTokens).toBeGreaterThan(0);
    const [top] = await vllm.embedSparse([splade.documents[0]!], { topK: 3, truncate: true });
    expect(top!.indices.length).toBe(3);
  });

  it("reads bge-m3's token_classify weights with /tokenize ids as its lexical weights", async () => {
    const { url } = await start({ scorer: m3Model, poolingTask: "token_classify" });
    const remote = new RemoteSparseEmbedder({ baseURL: url, dialect: "vllm-bge-m3" });
    const got = await remote.embedSparse(m3.documents, { truncate: true });
    // FlagEmbedding drops <unk> (3); the wire cannot say which id that is, so compare without it.
    const noUnk = got.map((v) => {
      const keep = Array.from(v.indices.keys()).filter((k) => v.indices[k] !== 3);
      return { indices: Uint32Array.from(keep, (k) => v.indices[k]!), values: Float32Array.from(keep, (k) => v.values[k]!) };
    });
    const err = maxErr(noUnk, m3.document.sparse);
    console.log(`remote bge-m3 lexical weights max abs error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-4);
  });

  it("keeps bad input typed: an empty text and topK <= 0 before any request, a server 400 as BadRequestError", async () => {
    const { url } = await start({ scorer: spladeModel });
    const remote = new RemoteSparseEmbedder({ baseURL: url, maxRetries: 0 });
    await expect(remote.embedSparse([""])).rejects.toThrow(InvalidInputError);
    await expect(remote.embedSparse(["paris"], { topK: 0 })).rejects.toThrow(InvalidOptionError);
    await expect(remote.embedSparse(["paris"], { topK: -2 })).rejects.toThrow(/topK/);
    const long = Array.from({ length: 2000 }, () => "capital").join(" ");
    await expect(remote.embedSparse([long], { truncate: false })).rejects.toMatchObject({ name: "BadRequestError", status: 400 });
  });
});

describe("RemoteSparseEmbedder against a hostile TEI server", () => {
  let tei: TestServer;
  let answer: unknown;
  beforeAll(async () => {
    tei = await startServer((req, res) => {
      if (req.path !== "/embed_sparse") return false;
      sendJSON(res, 200, answer);
    });
  });
  afterAll(() => tei.close());
  beforeEach(() => tei.reset());
  const remote = () => new RemoteSparseEmbedder({ baseURL: tei.url, vocabularySize: 100, maxRetries: 0 });

  it("sorts a valid answer by index and drops zeros", async () => {
    answer = [[{ index: 7, value: 0.5 }, { index: 2, value: 1.5 }, { index: 9, value: 0 }]];
    const [v] = await remote().embedSparse(["a"]);
    expect(Array.from(v!.indices)).toEqual([2, 7]);
    expect(Array.from(v!.values)).toEqual([1.5, 0.5]);
    expect(tei.requests[0]?.body).toEqual({ inputs: ["a"] });
  });

  it.each([
    ["an index outside the vocabulary", [[{ index: 100, value: 1 }]], /index is 100/],
    ["a negative index", [[{ index: -1, value: 1 }]], /index is -1/],
    ["a fractional index", [[{ index: 1.5, value: 1 }]], /index is 1.5/],
    ["a string value", [[{ index: 1, value: "1" }]], /value is "1"/],
    ["a null value (NaN in JSON)", [[{ index: 1, value: null }]], /value is null/],
    ["a repeated index", [[{ index: 1, value: 1 }, { index: 1, value: 2 }]], /repeated/],
    ["too few vectors", [], /expected 1 vectors, got 0/],
    ["an object instead of a list", { vectors: [] }, /JSON array/],
    ["a row that is not a list", [{ index: 1, value: 1 }], /not an array/],
  ])("refuses %s with a MalformedResponseError", async (_name, body, message) => {
    answer = body;
    const error = await remote().embedSparse(["a"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toMatch(message);
  });
});
