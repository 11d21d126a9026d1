import { endianness } from "node:os";
import { badRequest } from "../http/http-error.js";
import type { EmbedOptions } from "../../types.js";
import { checkTruncation } from "./scoring-options.js";

/** Fields of `/v1/embeddings` and `/pooling` that this module reads. */
export interface PoolingFields {
  input: string | string[] | number[] | number[][];
  truncate_prompt_tokens?: number | null | undefined;
  dimensions?: number | null | undefined;
  use_activation?: boolean | null | undefined;
}

/**
 * The texts of an embeddings or pooling request.
 * @throws {HttpError} 400 for an empty list, or token-id input (this server embeds text only).
 */
export function inputTexts(body: PoolingFields & Record<string, unknown>): string[] {
  if ("normalize" in body && body.normalize !== undefined && body.normalize !== null) {
    throw badRequest("`normalize` has been removed; use `use_activation` instead.", "normalize");
  }
  const texts = typeof body.input === "string" ? [body.input] : body.input;
  if (texts.length === 0) throw badRequest("You must pass at least one prompt", "input");
  if (!texts.every((t): t is string => typeof t === "string")) {
    throw badRequest("Token-id input is not supported by this server; send text.", "input");
  }
  return texts;
}

/**
 * Maps pooling fields to embed options. `truncate_prompt_tokens` may be unset (too-long input is a
 * 400) or at least `max_model_len` / -1 (truncate at the limit); other values are rejected.
 * @throws {HttpError} 400 for out-of-range values.
 */
export function toEmbedOptions(body: PoolingFields, maxLength: number | undefined): EmbedOptions {
  const options: EmbedOptions = {};
  const tpt = body.truncate_prompt_tokens;
  checkTruncation(tpt, maxLength);
  if (tpt === null || tpt === undefined) {
    options.truncate = false;
  } else if (tpt === -1 || tpt === maxLength) {
    options.truncate = true;
  } else {
    throw badRequest(
      "truncate_prompt_tokens other than -1 (max_model_len) is not supported for embeddings by this server.",
      "truncate_prompt_tokens",
    );
  }
  if (body.dimensions !== null && body.dimensions !== undefined) {
    if (body.dimensions < 1) throw badRequest("dimensions must be a positive integer", "dimensions");
    options.dimensions = body.dimensions;
  }
  if (body.use_activation !== null && body.use_activation !== undefined) options.normalize = body.use_activation;
  return options;
}

/** Float32 values as base64 of their little-endian bytes (the OpenAI client's `base64` decoding). */
export function toBase64(values: Float32Array): string {
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  if (endianness() === "LE") return bytes.toString("base64");
  // Big-endian host: swap a copy to little-endian.
  return Buffer.from(bytes).swap32().toString("base64");
}
