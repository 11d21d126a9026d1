import type { ScoreInput } from "../../types.js";
import type { ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";

/** A score field: one item or a list. */
export type Inputs = ScoreInput | ScoreInput[];

/** A bare string or a single `{content}` item counts as one (vLLM >= 0.16). */
export function asList(inputs: Inputs): ScoreInput[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

/**
 * Whether the served model takes `{content: [...]}` items. A local model (it has a config.json)
 * does only if its config has a vision tower; anything else (a remote proxy) passes them on.
 */
export function acceptsMultimodal(ctx: ServerContext): boolean {
  const config = ctx.options.modelConfig;
  if (Object.keys(config).length === 0) return true;
  return "vision_config" in config;
}

/**
 * vLLM's `validate_score_input`, in its order: multimodal items on a text model first
 * ("MultiModalParam is not supported for <Arch>"), then the length rule ("Input lengths must be
 * either 1:1, 1:N or N:N" for N:M and N:1, including N:0), then empty lists.
 * @throws {HttpError} 400 with vLLM's exact message.
 */
export function validateScoreInputs(ctx: ServerContext, queries: ScoreInput[], documents: ScoreInput[]): void {
  if (!acceptsMultimodal(ctx) && [...queries, ...documents].some((x) => typeof x !== "string")) {
    throw badRequest(`MultiModalParam is not supported for ${ctx.options.architecture}`);
  }
  const n1 = queries.length;
  const n2 = documents.length;
  if (n1 > 1 && n1 !== n2) throw badRequest("Input lengths must be either 1:1, 1:N or N:N");
  if (n1 === 0) throw badRequest("At least one text element must be given");
  if (n2 === 0) throw badRequest("At least one text_pair element must be given");
}

/** Explicit pairs after {@link validateScoreInputs}: 1:N repeats the query, N:N zips. */
export function explicitPairs(queries: ScoreInput[], documents: ScoreInput[]): { queries: ScoreInput[]; documents: ScoreInput[] } {
  return { queries: queries.length === 1 ? documents.map(() => queries[0] as ScoreInput) : queries, documents };
}
