import type { SparseVector } from "../contracts/sparse-embedder.js";
import { InvalidOptionError } from "../errors/invalid-option-error.js";
import { MalformedResponseError } from "./errors/malformed-response-error.js";
import type { SparseDialect } from "./sparse-dialects.js";
import { arrayBody } from "./validate.js";

/** Sends one request of a decode call; the embedder supplies transport, signal and retries. */
export type DecodeSend = (path: string, body: Record<string, unknown>, fromRoot: boolean) => Promise<{ url: string; data: unknown }>;

/**
 * How a dialect's server turns ids back into token strings:
 * - `tei`: TEI's `POST /decode` takes a batch of id lists (`{"ids": [[id], ...],
 *   "skip_special_tokens": false}`) and answers one string per list, so `perRequest` ids go in one
 *   request (TEI caps a batch like any other input);
 * - `vllm` and `vllm-bge-m3`: vLLM's `POST /detokenize` (`{"tokens": [id]}` -> `{"prompt": str}`)
 *   decodes one list into one string, so each id is its own request.
 */
export interface DecodeRoute {
  perRequest: number;
  run(ids: number[], model: string | undefined, send: DecodeSend): Promise<string[]>;
}

async function tei(ids: number[], _model: string | undefined, send: DecodeSend): Promise<string[]> {
  const { url, data } = await send("/decode", { ids: ids.map((id) => [id]), skip_special_tokens: false }, false);
  const strings = arrayBody(url, data);
  if (strings.length !== ids.length) throw new MalformedResponseError(url, `expected ${ids.length} decoded tokens, got ${strings.length}`, { body: data });
  return strings.map((s, i) => {
    if (typeof s !== "string") throw new MalformedResponseError(url, `[${i}] is ${JSON.stringify(s)}, not a string`, { body: data });
    return s;
  });
}

async function vllm(ids: number[], model: string | undefined, send: DecodeSend): Promise<string[]> {
  const { url, data } = await send("/detokenize", { tokens: ids, ...(model !== undefined && { model }) }, true);
  const prompt = typeof data === "object" && data !== null ? (data as { prompt?: unknown }).prompt : undefined;
  if (typeof prompt !== "string") throw new MalformedResponseError(url, "expected an object with a string `prompt`", { body: data });
  return [prompt];
}

/** The decode route of each dialect. */
export const decodeRoutes: Readonly<Record<SparseDialect, DecodeRoute>> = {
  tei: { perRequest: 32, run: tei },
  vllm: { perRequest: 1, run: vllm },
  "vllm-bge-m3": { perRequest: 1, run: vllm },
};

/**
 * The positions of `vector`'s entries, heaviest first (ties by id), the first `topK` of them: the
 * order of the local embedders' `decode` and of sentence-transformers' `SparseEncoder.decode`.
 * @throws {InvalidOptionError} for a `topK` that is not an integer >= 1.
 */
export function heaviestFirst(vector: SparseVector, topK: number | undefined): number[] {
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) {
    throw new InvalidOptionError(`topK must be an integer >= 1, got ${String(topK)}`, { option: "topK", allowed: "an integer >= 1" });
  }
  const order = [...vector.indices.keys()].sort((a, b) => (vector.values[b] as number) - (vector.values[a] as number) || (vector.indices[a] as number) - (vector.indices[b] as number));
  return order.slice(0, topK ?? order.length);
}
