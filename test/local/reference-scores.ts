/**
 * Expected scores and embeddings of the parity fixtures, built from the library tokenizer, the
 * seeded weights and the float64 reference in test/reference; nothing here imports src/. Suites
 * that run a model through another layer (contract, CLI, server) compare against these, so a bug
 * in the encoding fails them too, not only the parity tests.
 */
import { join } from "node:path";
import { DEFAULT_MODELS_ROOT, PUNCTUATION } from "../fixtures/index.js";
import { referenceForward, refCosine, refL2Normalize, refMaxSim, refMeanPool, refSigmoid } from "../reference/index.js";
import { CLS, MASK, SEP, UNUSED0, UNUSED1, rawIds, weightsOf } from "./helpers.js";

/** The parity fixtures' limit: 128 tokens, special tokens included. */
const MAX_LENGTH = 128;

/** Scores `query` against each document as the named fixture should. */
export type ReferenceScores = (query: string, documents: readonly string[]) => number[];

/** The texts must fit: truncation has its own hand-built tests (cross-encoder.parity, truncation-options). */
function fits(q: number[], d: number[], budget: number): [number[], number[]] {
  if (q.length + d.length > budget) throw new Error(`reference: pair of ${q.length} + ${d.length} tokens exceeds ${budget}`);
  return [q, d];
}

/** sigmoid(logit) of `[CLS] q [SEP] d [SEP]`, segment 1 on `d [SEP]`, for the cross-encoder fixture. */
export function crossEncoderReference(dir: string, name = "cross-encoder"): ReferenceScores {
  const ids = rawIds(dir);
  const weights = weightsOf(name);
  return (query, documents) =>
    documents.map((doc) => {
      const [q, d] = fits(ids(query), ids(doc), MAX_LENGTH - 3);
      const inputIds = [CLS, ...q, SEP, ...d, SEP];
      const tokenTypeIds = [...Array<number>(q.length + 2).fill(0), ...Array<number>(d.length + 1).fill(1)];
      return refSigmoid(referenceForward(weights, { inputIds, tokenTypeIds }).logits as number);
    });
}

/** Mean-pooled, L2-normalized `[CLS] prefix+text [SEP]` of the bi-encoder-mean fixture. */
export function biEncoderEmbedding(dir: string, name = "bi-encoder-mean"): (text: string, prefix?: string) => number[] {
  const ids = rawIds(dir);
  const weights = weightsOf(name);
  return (text, prefix = "passage: ") => {
    const [t] = fits(ids(prefix + text), [], MAX_LENGTH - 2);
    const inputIds = [CLS, ...t, SEP];
    const hidden = referenceForward(weights, { inputIds }).lastHiddenState;
    return refL2Normalize(refMeanPool(hidden, inputIds.map(() => 1)));
  };
}

/** Cosine of the bi-encoder-mean fixture's query ("query: ") and document ("passage: ") embeddings. */
export function biEncoderReference(dir: string, name = "bi-encoder-mean"): ReferenceScores {
  const embed = biEncoderEmbedding(dir, name);
  return (query, documents) => {
    const q = embed(query, "query: ");
    return documents.map((d) => refCosine(q, embed(d, "passage: ")));
  };
}

/** MaxSim of the PyLate ColBERT fixture (query length 32, document length 64, markers, [MASK], skiplist). */
export function colbertReference(dir: string, name = "colbert-pylate"): ReferenceScores {
  const ids = rawIds(dir);
  const weights = weightsOf(name);
  const skip = new Set([...PUNCTUATION].map((c) => ids(c)[0] as number));
  const vectors = (input: number[], attention: number[], keep: (id: number, t: number) => boolean) =>
    (referenceForward(weights, { inputIds: input, attentionMask: attention }).projected as number[][])
      .filter((_, t) => keep(input[t] as number, t))
      .map(refL2Normalize);
  return (query, documents) => {
    const qi = [CLS, UNUSED0, ...fits(ids(query), [], 29)[0], SEP];
    const qa = qi.map(() => 1);
    while (qi.length < 32) {
      qi.push(MASK);
      qa.push(0);
    }
    const q = vectors(qi, qa, () => true);
    return documents.map((doc) => {
      const di = [CLS, UNUSED1, ...fits(ids(doc), [], 61)[0], SEP];
      return refMaxSim(q, vectors(di, di.map(() => 1), (id) => !skip.has(id)));
    });
  };
}

/** The reference for a named parity fixture, read from `dir` (default: where globalSetup wrote it). */
export function referenceFor(name: string, dir = join(DEFAULT_MODELS_ROOT, name)): ReferenceScores {
  if (name.startsWith("cross-encoder")) return crossEncoderReference(dir, name);
  if (name.startsWith("bi-encoder")) return biEncoderReference(dir, name);
  if (name.startsWith("colbert")) return colbertReference(dir, name);
  throw new Error(`no reference for ${name}`);
}
