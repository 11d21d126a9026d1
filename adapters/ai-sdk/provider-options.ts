import type { JSONObject, SharedV3ProviderOptions, SharedV3Warning } from "@ai-sdk/provider";
import { InvalidInputError } from "../../src/index.js";
import { validateOptions, type OptionRule, type OptionSpec } from "../../src/internal.js";
import type { EmbedOptions, RerankOptions } from "../../src/index.js";

/** The `providerOptions` key rerank-kit reads: `providerOptions: { rerankKit: {...} }`. */
export const PROVIDER_OPTIONS_KEY = "rerankKit";

/**
 * rerank-kit options a `rerank()` call can pass in `providerOptions.rerankKit`: the scorer's own
 * (documented on `RerankOptions`), plus where object documents keep their text.
 */
export interface RerankKitRerankProviderOptions
  extends Pick<
    RerankOptions,
    "activation" | "maxTokensPerDoc" | "maxTokensPerQuery" | "truncatePromptTokens" | "truncationStrategy" | "truncationSide" | "instruction" | "truncate" | "scoreThreshold"
  > {
  /** For object documents: the field holding the text to rank on. @default the model's `documentField` */
  documentField?: string;
}

/**
 * rerank-kit options an `embed()` / `embedMany()` call can pass in `providerOptions.rerankKit`:
 * the embedder's own (documented on `EmbedOptions`; `kind` defaults to the model's `kind`).
 */
export type RerankKitEmbedProviderOptions = Pick<EmbedOptions, "kind" | "prompt" | "dimensions" | "normalize" | "truncate">;

/** The rule of every rerank provider option (ranges are the scorer's to check). */
export const RERANK_PROVIDER_RULES = {
  activation: { kind: "boolean" },
  maxTokensPerDoc: { kind: "integer" },
  maxTokensPerQuery: { kind: "integer" },
  truncatePromptTokens: { kind: "integer" },
  truncationStrategy: { kind: "enum", values: ["longest_first", "only_second"] },
  truncationSide: { kind: "enum", values: ["left", "right"] },
  instruction: { kind: "string" },
  truncate: { kind: "boolean" },
  scoreThreshold: { kind: "number" },
  documentField: { kind: "string" },
} as const satisfies Record<keyof RerankKitRerankProviderOptions, OptionRule>;

/** The rule of every embed provider option. */
export const EMBED_PROVIDER_RULES = {
  kind: { kind: "enum", values: ["query", "document"] },
  prompt: { kind: "boolean" },
  dimensions: { kind: "integer" },
  normalize: { kind: "boolean" },
  truncate: { kind: "boolean" },
} as const satisfies Record<keyof RerankKitEmbedProviderOptions, OptionRule>;

/**
 * Reads and checks `providerOptions.rerankKit`. Unknown keys become `unsupported` warnings (as
 * the AI SDK reports settings a model ignores); keys of a wrong type throw, since silently
 * ignoring a truncation or activation setting would change scores without a trace.
 * @throws {InvalidInputError} naming `providerOptions.rerankKit.<key>`.
 */
function read<T extends object>(
  providerOptions: SharedV3ProviderOptions | undefined,
  fields: OptionSpec,
  warnings: SharedV3Warning[],
): T {
  const raw = providerOptions?.[PROVIDER_OPTIONS_KEY] as JSONObject | undefined;
  if (raw === undefined) return {} as T;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new InvalidInputError(`providerOptions.${PROVIDER_OPTIONS_KEY} must be an object`, { field: `providerOptions.${PROVIDER_OPTIONS_KEY}` });
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const rule = fields[key];
    const field = `providerOptions.${PROVIDER_OPTIONS_KEY}.${key}`;
    if (rule === undefined) {
      warnings.push({ type: "unsupported", feature: field, details: `rerank-kit does not know ${key}; it was ignored` });
      continue;
    }
    if (value === undefined || value === null) continue;
    try {
      validateOptions({ [field]: value }, { [field]: rule }, { where: "rerank-kit" });
    } catch (error) {
      // The AI SDK's callers catch the input error of a call; the message names the full path.
      throw new InvalidInputError((error as Error).message, { field, cause: error });
    }
    out[key] = value;
  }
  return out as T;
}

/** The rerank options of one call: `providerOptions.rerankKit` over the model's defaults. */
export function rerankCallOptions(
  providerOptions: SharedV3ProviderOptions | undefined,
  defaults: RerankKitRerankProviderOptions,
  warnings: SharedV3Warning[],
): { options: RerankOptions; documentField: string | undefined } {
  const { documentField, ...options } = { ...defaults, ...read<RerankKitRerankProviderOptions>(providerOptions, RERANK_PROVIDER_RULES, warnings) };
  return { options, documentField };
}

/** The embed options of one call: `providerOptions.rerankKit` over the model's defaults. */
export function embedCallOptions(
  providerOptions: SharedV3ProviderOptions | undefined,
  defaults: RerankKitEmbedProviderOptions,
  warnings: SharedV3Warning[],
): EmbedOptions {
  return { ...defaults, ...read<RerankKitEmbedProviderOptions>(providerOptions, EMBED_PROVIDER_RULES, warnings) };
}
