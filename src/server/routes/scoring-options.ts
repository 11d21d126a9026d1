import { badRequest } from "../http/http-error.js";
import type { BatchableOptions } from "../runtime/score-strategy.js";

/** The vLLM scoring fields that become {@link ScoreOptions}. */
export interface ScoringFields {
  truncate_prompt_tokens?: number | null | undefined;
  truncation_side?: "left" | "right" | null | undefined;
  max_tokens_per_query?: number | undefined;
  max_tokens_per_doc?: number | undefined;
  use_activation?: boolean | null | undefined;
  instruction?: string | null | undefined;
  chat_template_kwargs?: Record<string, unknown> | null | undefined;
}

/** vLLM's answer when `truncate_prompt_tokens` exceeds the model's limit. */
export const TRUNCATION_TOO_LARGE =
  "truncate_prompt_tokens value is greater than max_model_len. Please request a smaller truncation size.";

/**
 * Checks `truncate_prompt_tokens` against the model's limit (vLLM `_validate_request`).
 * @throws {HttpError} 400 when it is larger than `maxLength`.
 */
export function checkTruncation(value: number | null | undefined, maxLength: number | undefined): void {
  if (value !== null && value !== undefined && maxLength !== undefined && value > maxLength) {
    throw badRequest(TRUNCATION_TOO_LARGE);
  }
}

/**
 * Maps a request's scoring fields to scorer options with vLLM's checks. Without
 * `truncate_prompt_tokens`, truncation is off, so a too-long pair is a 400, as on vLLM.
 * @throws {HttpError} 400 for out-of-range values.
 */
export function toScoreOptions(body: ScoringFields, maxLength: number | undefined): BatchableOptions {
  const options: BatchableOptions = {};
  const tpt = body.truncate_prompt_tokens;
  checkTruncation(tpt, maxLength);
  if (tpt === null || tpt === undefined) {
    options.truncate = false;
  } else {
    options.truncate = true;
    options.truncatePromptTokens = tpt;
  }
  if (body.truncation_side) options.truncationSide = body.truncation_side;
  const perQuery = tokenLimit("max_tokens_per_query", body.max_tokens_per_query, maxLength);
  if (perQuery) options.maxTokensPerQuery = perQuery;
  const perDoc = tokenLimit("max_tokens_per_doc", body.max_tokens_per_doc, maxLength);
  if (perDoc) options.maxTokensPerDoc = perDoc;
  if (body.use_activation !== null && body.use_activation !== undefined) options.activation = body.use_activation;
  if (body.instruction !== null && body.instruction !== undefined) options.instruction = body.instruction;
  if (body.chat_template_kwargs) options.chatTemplateKwargs = body.chat_template_kwargs;
  return options;
}

function tokenLimit(field: string, value: number | undefined, maxLength: number | undefined): number | undefined {
  if (value === undefined || value === 0) return undefined;
  // vLLM's scoring IO processor words these (a plain ValueError: no "(parameter=...)" suffix).
  if (value < 0) throw badRequest(`${field} must be a non-negative integer`, field);
  if (maxLength !== undefined && value >= maxLength) {
    throw badRequest(`${field} (${value}) must be less than max_model_len (${maxLength}).`, field);
  }
  return value;
}
