import type { SparseVector } from "../contracts/sparse-embedder.js";
import type { Usage } from "../types.js";
import { decodeEmbedding } from "./decode-embedding.js";
import { MalformedResponseError } from "./errors/malformed-response-error.js";
import { arrayBody, arrayField, readUsage } from "./validate.js";

/** Wire formats {@link RemoteSparseEmbedder} speaks. */
export type SparseDialect = "tei" | "vllm" | "vllm-bge-m3";

/** One request's settings, already checked. */
export interface SparseCall {
  model: string | undefined;
  texts: string[];
  truncate: boolean | undefined;
  vocabularySize: number | undefined;
  send: (path: string, body: Record<string, unknown>, fromRoot: boolean) => Promise<{ url: string; data: unknown }>;
}

/** Vectors of one request, in its input order. */
export interface SparseAnswer {
  vectors: SparseVector[];
  usage: Usage;
}

/**
 * Builds a sparse vector from `(index, value)` entries a server sent, refusing what a hostile or
 * broken server could send: an index that is not an integer in `[0, vocabularySize)` (or
 * negative without one), a repeated index, a value that is not a finite number. Zeros are
 * dropped, indices sorted.
 * @throws {MalformedResponseError} naming the entry.
 */
export function checkedSparse(url: string, body: unknown, entries: Iterable<[unknown, unknown]>, where: string, vocabularySize: number | undefined): SparseVector {
  const byId = new Map<number, number>();
  let k = 0;
  for (const [index, value] of entries) {
    const max = vocabularySize ?? 2 ** 32;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= max) {
      throw new MalformedResponseError(url, `${where}[${k}].index is ${JSON.stringify(index)}, not an integer in [0, ${max})`, { body });
    }
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new MalformedResponseError(url, `${where}[${k}].value is ${JSON.stringify(value)}, not a finite number`, { body });
    }
    if (byId.has(index)) throw new MalformedResponseError(url, `${where}[${k}].index ${index} is repeated`, { body });
    byId.set(index, value);
    k++;
  }
  const indices = Uint32Array.from([...byId.keys()].filter((id) => byId.get(id) !== 0)).sort();
  return { indices, values: Float32Array.from(indices, (id) => byId.get(id) as number) };
}

/** TEI `POST /embed_sparse`: `[[{index, value}]]` per input; no usage in the answer. */
async function tei(call: SparseCall): Promise<SparseAnswer> {
  const body: Record<string, unknown> = { inputs: call.texts };
  if (call.truncate !== undefined) body.truncate = call.truncate;
  const { url, data } = await call.send("/embed_sparse", body, false);
  const rows = arrayBody(url, data);
  if (rows.length !== call.texts.length) throw new MalformedResponseError(url, `expected ${call.texts.length} vectors, got ${rows.length}`, { body: data });
  const vectors = rows.map((row, i) => {
    if (!Array.isArray(row)) throw new MalformedResponseError(url, `[${i}] is not an array of {index, value}`, { body: data });
    const pairs = row.map((e): [unknown, unknown] => [(e as { index?: unknown } | null)?.index, (e as { value?: unknown } | null)?.value]);
    return checkedSparse(url, data, pairs, `[${i}]`, call.vocabularySize);
  });
  return { vectors, usage: { promptTokens: 0, totalTokens: 0 } };
}

/**
 * vLLM's SPLADE (`BertSpladeSparseEmbeddingModel`): `/v1/embeddings` answers the vocabulary-wide
 * vector; its non-zero entries are the sparse vector. Asked as base64 (a 30522-wide float list
 * is large as JSON).
 */
async function vllm(call: SparseCall): Promise<SparseAnswer> {
  const body: Record<string, unknown> = { input: call.texts, encoding_format: "base64" };
  if (call.model !== undefined) body.model = call.model;
  if (call.truncate === true) body.truncate_prompt_tokens = -1;
  const { url, data } = await call.send("/v1/embeddings", body, true);
  const items = arrayField(url, data, "data");
  if (items.length !== call.texts.length) throw new MalformedResponseError(url, `expected ${call.texts.length} embeddings, got ${items.length}`, { body: data });
  const out = new Array<SparseVector | undefined>(items.length);
  items.forEach((item, i) => {
    const index = (item as { index?: unknown } | null)?.index;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= items.length || out[index]) {
      throw new MalformedResponseError(url, `data[${i}].index is ${String(index)}: not a fresh position in [0, ${items.length})`, { body: data });
    }
    const dense = decodeEmbedding(url, data, (item as { embedding?: unknown }).embedding, `data[${i}].embedding`);
    if (call.vocabularySize !== undefined && dense.length !== call.vocabularySize) {
      throw new MalformedResponseError(url, `data[${i}].embedding has ${dense.length} values, the vocabulary ${call.vocabularySize}`, { body: data });
    }
    out[index] = checkedSparse(url, data, denseEntries(dense), `data[${i}].embedding`, dense.length);
  });
  return { vectors: out as SparseVector[], usage: readUsage(data) };
}

function* denseEntries(dense: Float32Array): Generator<[number, number]> {
  for (let id = 0; id < dense.length; id++) if (dense[id] !== 0) yield [id, dense[id] as number];
}

/**
 * vLLM's bge-m3 (`BgeM3EmbeddingModel`, served with `--pooler-config '{"task": "token_classify"}'`):
 * `/pooling` answers one weight per token without the first and last special tokens, and
 * `/tokenize` gives the ids; each id keeps its largest weight, as vLLM's own bge-m3 test and
 * FlagEmbedding do. FlagEmbedding also drops `<unk>`; the server's answer cannot say which id that
 * is, so an unknown token keeps its weight here.
 */
async function vllmBgeM3(call: SparseCall): Promise<SparseAnswer> {
  const pooled: Record<string, unknown> = { input: call.texts, task: "token_classify", encoding_format: "float" };
  if (call.model !== undefined) pooled.model = call.model;
  if (call.truncate === true) pooled.truncate_prompt_tokens = -1;
  const [{ url, data }, ...tokenized] = await Promise.all([
    call.send("/pooling", pooled, true),
    ...call.texts.map((prompt) => call.send("/tokenize", { prompt, ...(call.model !== undefined && { model: call.model }) }, true)),
  ]);
  const items = arrayField(url, data, "data");
  if (items.length !== call.texts.length) throw new MalformedResponseError(url, `expected ${call.texts.length} outputs, got ${items.length}`, { body: data });
  const vectors = items.map((item, i) => {
    const weights = (item as { data?: unknown } | null)?.data;
    const tok = tokenized[i] as { url: string; data: unknown };
    const ids = arrayField(tok.url, tok.data, "tokens").slice(1);
    if (!Array.isArray(weights) || weights.length > ids.length) {
      throw new MalformedResponseError(url, `data[${i}].data is not one weight per token of the text (${ids.length} after the first)`, { body: data });
    }
    const best = new Map<unknown, unknown>();
    weights.forEach((w, t) => {
      const id = ids[t];
      const seen = best.get(id);
      // Validation of both happens in checkedSparse; only the comparison needs numbers here.
      if (seen === undefined || (typeof w === "number" && typeof seen === "number" && w > seen) || typeof w !== "number") best.set(id, w);
    });
    const positive = [...best].filter(([, w]) => typeof w !== "number" || w > 0 || Number.isNaN(w));
    return checkedSparse(url, data, positive, `data[${i}].data`, call.vocabularySize);
  });
  return { vectors, usage: readUsage(data) };
}

/** The sparse wire formats by name. */
export const sparseDialects: Readonly<Record<SparseDialect, { defaultMaxTexts: number; run: (call: SparseCall) => Promise<SparseAnswer> }>> = {
  tei: { defaultMaxTexts: 32, run: tei },
  vllm: { defaultMaxTexts: 32, run: vllm },
  "vllm-bge-m3": { defaultMaxTexts: 32, run: vllmBgeM3 },
};

