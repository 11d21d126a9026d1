import { HttpError } from "../http/http-error.js";

/**
 * 400 for a media URL the server's policy does not allow: it is refused before anything is read
 * (vLLM answers a URL outside `--allowed-media-domains` or `--allowed-local-media-path` so).
 */
export function mediaRefused(field: string, message: string): HttpError {
  return new HttpError(400, "BadRequestError", `${field}: ${message}`, { param: "image_url" });
}

/**
 * 422 for an allowed media URL whose fetch failed or was cut short (too large, too slow, an HTTP
 * error, a redirect or an address the policy refuses): vLLM's `VLLMUnprocessableEntityError`.
 */
export function mediaUnprocessable(field: string, message: string, cause?: unknown): HttpError {
  return new HttpError(422, "UnprocessableEntityError", `${field}: Failed to fetch media from URL: ${message}`, { param: "image_url", cause });
}
