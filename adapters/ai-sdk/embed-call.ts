import type { EmbeddingModelV3CallOptions, SharedV3ProviderMetadata, SharedV3Warning } from "@ai-sdk/provider";
import { InvalidInputError } from "../../src/index.js";
import type { Embedder } from "../../src/index.js";
import { RemoteEmbedder, type RemoteEmbedOptions } from "../../src/remote/index.js";
import { embedCallOptions, PROVIDER_OPTIONS_KEY, type RerankKitEmbedProviderOptions } from "./provider-options.js";
import { definedHeaders, hasCallerHeaders } from "./rerank-call.js";

/** What one `doEmbed` produced, in the shape shared by the V3 and V4 results. */
export interface EmbedOutcome {
  embeddings: number[][];
  usage: { tokens: number };
  warnings: SharedV3Warning[];
  providerMetadata: SharedV3ProviderMetadata;
}

/**
 * Embeds the call's values with `embedder`, one vector per value in order. `dimensions` (the V4
 * call option) and `providerOptions.rerankKit` override the model's defaults.
 * @throws {InvalidInputError} on non-string values or bad provider options.
 * @throws {AbortError} when `abortSignal` fires.
 */
export async function embedCall(
  embedder: Embedder,
  call: EmbeddingModelV3CallOptions & { dimensions?: number },
  defaults: RerankKitEmbedProviderOptions,
): Promise<EmbedOutcome> {
  const warnings: SharedV3Warning[] = [];
  const options: RemoteEmbedOptions = embedCallOptions(call.providerOptions, defaults, warnings);
  if (call.dimensions !== undefined) options.dimensions = call.dimensions;
  if (call.abortSignal !== undefined) options.signal = call.abortSignal;
  const headers = definedHeaders(call.headers);
  if (headers !== undefined) {
    if (embedder instanceof RemoteEmbedder) options.headers = headers;
    else if (hasCallerHeaders(headers)) warnings.push({ type: "unsupported", feature: "headers", details: "a local model makes no HTTP request" });
  }
  if (!Array.isArray(call.values)) throw new InvalidInputError("values must be an array of strings", { field: "values" });
  const tokensMeta = (promptTokens: number) => ({ [PROVIDER_OPTIONS_KEY]: { usage: { promptTokens, totalTokens: promptTokens } } });
  if (call.values.length === 0) return { embeddings: [], usage: { tokens: 0 }, warnings, providerMetadata: tokensMeta(0) };
  const { embeddings, usage } = await embedder.embedWithUsage(call.values, options);
  if (embeddings.length !== call.values.length) {
    throw new InvalidInputError(`The embedder returned ${embeddings.length} vectors for ${call.values.length} values`, { field: "values" });
  }
  return {
    embeddings: embeddings.map((vector) => Array.from(vector)),
    usage: { tokens: usage.promptTokens },
    warnings,
    providerMetadata: tokensMeta(usage.promptTokens),
  };
}
