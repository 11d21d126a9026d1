import { InvalidInputError } from "../../errors/invalid-input-error.js";

/** How vLLM turns LM-head rows into a classifier (`hf_overrides.method`). */
export type ScoreMethod = "from_2_way_softmax" | "no_post_processing";

/**
 * The part of vLLM's `--hf-overrides` / `hf_overrides` that makes an LLM a reranker. Other keys
 * (e.g. `architectures`) are accepted and ignored, so the seed's strings work unchanged.
 */
export interface HfOverrides {
  /** `["no", "yes"]` (false token first) for `from_2_way_softmax`; the scored tokens otherwise. */
  classifier_from_token?: string[];
  /** How the rows are combined. */
  method?: ScoreMethod;
  /** Qwen3-Reranker shortcut: `classifier_from_token ["no","yes"]`, `from_2_way_softmax`. */
  is_original_qwen3_reranker?: boolean;
  /** Ignored: rerank-kit picks the scorer from the files and these keys. */
  architectures?: string[];
  [key: string]: unknown;
}

/**
 * Parses `hf_overrides` given as vLLM takes them: a JSON string (the CLI's `--hf-overrides '{...}'`)
 * or an object.
 * @throws {InvalidInputError} for malformed JSON or wrongly typed keys, naming the key.
 */
export function parseHfOverrides(value: string | HfOverrides): HfOverrides {
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch (cause) {
      throw new InvalidInputError(`hfOverrides is not valid JSON: ${(cause as Error).message}`, { field: "hfOverrides", cause });
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidInputError("hfOverrides must be a JSON object", { field: "hfOverrides" });
  }
  const o = parsed as HfOverrides;
  const tokens = o.classifier_from_token;
  if (tokens !== undefined && (!Array.isArray(tokens) || tokens.length === 0 || !tokens.every((t) => typeof t === "string"))) {
    throw new InvalidInputError("hfOverrides.classifier_from_token must be a non-empty array of strings", {
      field: "hfOverrides.classifier_from_token",
    });
  }
  if (o.method !== undefined && o.method !== "from_2_way_softmax" && o.method !== "no_post_processing") {
    throw new InvalidInputError(
      `hfOverrides.method must be "from_2_way_softmax" or "no_post_processing", got ${JSON.stringify(o.method)}`,
      { field: "hfOverrides.method" },
    );
  }
  if (o.is_original_qwen3_reranker !== undefined && typeof o.is_original_qwen3_reranker !== "boolean") {
    throw new InvalidInputError("hfOverrides.is_original_qwen3_reranker must be a boolean", {
      field: "hfOverrides.is_original_qwen3_reranker",
    });
  }
  return o;
}

/** The tokens and method an override asks for, or undefined when it asks for no token head. */
export interface TokenChoice {
  tokens: string[];
  method: ScoreMethod;
}

/**
 * Resolves the override keys as vLLM does: `is_original_qwen3_reranker` means `["no","yes"]` with
 * `from_2_way_softmax`. Where vLLM needs `method` spelled out, a missing one is inferred from the
 * token count (2 -> `from_2_way_softmax`, 1 -> `no_post_processing`).
 * @throws {InvalidInputError} when the count does not fit the method or gives several labels.
 */
export function tokenChoice(o: HfOverrides): TokenChoice | undefined {
  if (o.is_original_qwen3_reranker) {
    return { tokens: o.classifier_from_token ?? ["no", "yes"], method: o.method ?? "from_2_way_softmax" };
  }
  const tokens = o.classifier_from_token;
  if (!tokens) {
    if (o.method !== undefined) {
      throw new InvalidInputError("hfOverrides.method needs classifier_from_token", { field: "hfOverrides.classifier_from_token" });
    }
    return undefined;
  }
  const method = o.method ?? (tokens.length === 2 ? "from_2_way_softmax" : "no_post_processing");
  if (method === "from_2_way_softmax" && tokens.length !== 2) {
    throw new InvalidInputError(`from_2_way_softmax needs two tokens [false, true], got ${tokens.length}`, {
      field: "hfOverrides.classifier_from_token",
    });
  }
  if (method === "no_post_processing" && tokens.length !== 1) {
    throw new InvalidInputError(
      `no_post_processing with ${tokens.length} tokens gives ${tokens.length} labels; a reranker has one`,
      { field: "hfOverrides.classifier_from_token" },
    );
  }
  return { tokens, method };
}
