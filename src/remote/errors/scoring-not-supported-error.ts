import { NotFoundError } from "./not-found-error.js";

/**
 * The server has no scoring route: vLLM answers `404 {"detail":"Not Found"}` on `/score` and
 * `/rerank` when the served model is not an embedding, token-embedding or one-label classifier
 * model (a generative model, or a classifier with several labels), so it cannot score.
 */
export class ScoringNotSupportedError extends NotFoundError {
  override name = "ScoringNotSupportedError";
}
