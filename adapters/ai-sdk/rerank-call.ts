import type { JSONObject, RerankingModelV3CallOptions, SharedV3ProviderMetadata, SharedV3Warning } from "@ai-sdk/provider";
import { InvalidInputError } from "../../src/index.js";
import type { Scorer } from "../../src/index.js";
import { RemoteScorer, type RemoteRerankOptions } from "../../src/remote/index.js";
import { PROVIDER_OPTIONS_KEY, rerankCallOptions, type RerankKitRerankProviderOptions } from "./provider-options.js";

/** What one `doRerank` produced, in the shape shared by the V3 and V4 results. */
export interface RerankOutcome {
  ranking: Array<{ index: number; relevanceScore: number }>;
  warnings: SharedV3Warning[];
  providerMetadata: SharedV3ProviderMetadata;
  response: { modelId: string; timestamp: Date };
}

/**
 * Ranks the call's documents with `scorer`: object documents on `documentField`, options from
 * `providerOptions.rerankKit` over `defaults`, cancelled by `abortSignal`. The ranking is sorted
 * by score descending (stable on ties) and its indices point into `call.documents.values`.
 * @throws {InvalidInputError} on a bad `topN`, a missing text field, or bad provider options.
 * @throws {AbortError} when `abortSignal` fires.
 */
export async function rerankCall(
  scorer: Scorer,
  call: RerankingModelV3CallOptions,
  defaults: RerankKitRerankProviderOptions & { documentField: string },
): Promise<RerankOutcome> {
  const timestamp = new Date();
  const warnings: SharedV3Warning[] = [];
  const { options, documentField = defaults.documentField } = rerankCallOptions(call.providerOptions, defaults, warnings);
  const topN = call.topN ?? 0;
  if (!Number.isInteger(topN) || topN < 0) {
    throw new InvalidInputError(`topN must be a non-negative integer, got ${String(call.topN)}`, { field: "topN" });
  }
  const texts = documentTexts(call.documents, documentField);
  const request: RemoteRerankOptions = { ...options, topN };
  if (call.abortSignal !== undefined) request.signal = call.abortSignal;
  const headers = definedHeaders(call.headers);
  if (headers !== undefined) {
    if (scorer instanceof RemoteScorer) request.headers = headers;
    else if (hasCallerHeaders(headers)) warnings.push({ type: "unsupported", feature: "headers", details: "a local model makes no HTTP request" });
  }
  const base = { warnings, response: { modelId: scorer.model, timestamp } };
  if (texts.length === 0) return { ...base, ranking: [], providerMetadata: metadata(scorer, 0, 0) };
  const { results, usage } = await scorer.rerankWithUsage(call.query, texts, request);
  const ranking = results.map(({ index, score }) => ({ index, relevanceScore: score }));
  return { ...base, ranking, providerMetadata: metadata(scorer, usage.promptTokens, usage.totalTokens) };
}

/**
 * Neither reranking specification has a usage field, so the token counts travel in
 * `providerMetadata.rerankKit`, which `rerank()` returns.
 */
function metadata(scorer: Scorer, promptTokens: number, totalTokens: number): SharedV3ProviderMetadata {
  return { [PROVIDER_OPTIONS_KEY]: { scoreType: scorer.scoreType, usage: { promptTokens, totalTokens } } };
}

function documentTexts(documents: RerankingModelV3CallOptions["documents"], field: string): string[] {
  if (documents?.type === "text") return documents.values;
  if (documents?.type !== "object") {
    throw new InvalidInputError('documents.type must be "text" or "object"', { field: "documents" });
  }
  return documents.values.map((document: JSONObject, i) => {
    const text = document?.[field];
    if (typeof text !== "string") {
      throw new InvalidInputError(
        `documents[${i}] has no string field ${JSON.stringify(field)} to rank on (choose one with documentField)`,
        { field: `documents[${i}].${field}` },
      );
    }
    return text;
  });
}

/** Headers other than the `user-agent` the AI SDK adds to every call by itself. */
export function hasCallerHeaders(headers: Record<string, string>): boolean {
  return Object.keys(headers).some((name) => name.toLowerCase() !== "user-agent");
}

/** The headers with a value, or `undefined` when none has one. */
export function definedHeaders(headers: Record<string, string | undefined> | undefined): Record<string, string> | undefined {
  const entries = Object.entries(headers ?? {}).filter((e): e is [string, string] => typeof e[1] === "string");
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
