/**
 * Token ids run as given are checked against the vocabulary, as vLLM's input processor does
 * ("Token id N is out of vocabulary", a 400): an id of 2^32 or more used to embed as its low 32
 * bits, and an id just past the vocabulary failed inside ONNX Runtime's Gather (a 500).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/index.js";
import { loadScorer, type LocalScorer } from "../../src/local/index.js";
import { post, start } from "../server/helpers.js";
import { VOCAB_SIZE } from "../fixtures/index.js";
import { CLS, SEP, modelDir } from "./helpers.js";

const WRAPS_TO_CLS = 2 ** 32 + CLS; // 4294967397: its low 32 bits are [CLS]
const WORD = 2054;
const loaded: LocalScorer[] = [];
let bi: LocalScorer, cross: LocalScorer, colbert: LocalScorer;

beforeAll(async () => {
  const all = await Promise.all(
    ["bi-encoder-mean", "cross-encoder", "colbert-pylate"].map(async (name) => loadScorer(await modelDir(name), { threads: 1 })),
  );
  [bi, cross, colbert] = all as [LocalScorer, LocalScorer, LocalScorer];
  loaded.push(bi, cross, colbert);
});
afterAll(async () => {
  await Promise.all(loaded.map((s) => s.close()));
});

type Sequences = (ids: number[][]) => Promise<unknown>;
const methods = (): Array<[string, Sequences]> => [
  ["embedSequences", (ids) => (bi as unknown as { embedSequences: Sequences }).embedSequences(ids)],
  ["bi-encoder embedTokenSequences", (ids) => (bi as unknown as { embedTokenSequences: Sequences }).embedTokenSequences(ids)],
  ["classifySequences", (ids) => (cross as unknown as { classifySequences: Sequences }).classifySequences(ids)],
  ["ColBERT embedTokenSequences", (ids) => (colbert as unknown as { embedTokenSequences: Sequences }).embedTokenSequences(ids)],
];

describe("token ids past the vocabulary", () => {
  it.each([WRAPS_TO_CLS, VOCAB_SIZE, 2 ** 53 - 1])("id %d is refused by every as-given entry point with vLLM's message", async (id) => {
    for (const [name, run] of methods()) {
      const error = await run([[CLS, WORD, SEP], [id, WORD, SEP]]).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message, name).toBe(`Token id ${id} is out of vocabulary`);
      expect((error as InvalidInputError).field, name).toBe("sequences[1]");
    }
  });

  it("the last id of the vocabulary is still accepted", async () => {
    for (const [name, run] of methods()) await expect(run([[CLS, VOCAB_SIZE - 1, SEP]]), name).resolves.toBeDefined();
  });

  it("the server answers 400, not 500, on /v1/embeddings, /pooling and /classify", async () => {
    const { url: embedUrl } = await start({ scorer: bi });
    for (const input of [[WRAPS_TO_CLS, WORD, SEP], [VOCAB_SIZE, WORD, SEP]]) {
      const r = await post(`${embedUrl}/v1/embeddings`, { input: [input] });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe(`Token id ${input[0]} is out of vocabulary`);
    }
    const { url: colbertUrl } = await start({ scorer: colbert });
    const pooled = await post(`${colbertUrl}/pooling`, { input: [CLS, VOCAB_SIZE, SEP], task: "token_embed" });
    expect(pooled.status).toBe(400);
    expect(pooled.body.error.message).toBe(`Token id ${VOCAB_SIZE} is out of vocabulary`);
    const { url: classifyUrl } = await start({ scorer: cross, classifier: cross as never });
    const classified = await post(`${classifyUrl}/classify`, { input: [CLS, WRAPS_TO_CLS, SEP] });
    expect(classified.status).toBe(400);
    expect(classified.body.error.message).toBe(`Token id ${WRAPS_TO_CLS} is out of vocabulary`);
  });
});
