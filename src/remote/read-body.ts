import { MalformedResponseError } from "./errors/malformed-response-error.js";

/**
 * The default `maxResponseBytes`: 64 MiB. The largest answers are embeddings: 2048 vectors of
 * 4096 floats as JSON text take about 170 MB, which a client should request in batches anyway;
 * typical score, rerank and embedding answers are kilobytes to a few megabytes.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * The most bytes of an error (non-2xx) body read: 1 MiB. An error message is a sentence; the rest
 * of a larger body is dropped, and the message quotes at most {@link MAX_ERROR_MESSAGE_CHARS}.
 */
export const MAX_ERROR_BODY_BYTES = 1024 * 1024;

/** The most characters of a server's error message kept in an {@link APIError}'s message. */
export const MAX_ERROR_MESSAGE_CHARS = 2000;

/**
 * Reads a response body as UTF-8 text with a running byte count, never more than `maxBytes`
 * (after decompression: `fetch` inflates gzip, so a small compressed body is counted by what it
 * becomes). A `content-length` over the limit is refused before reading.
 * @param truncate on reaching the limit, return what was read (with `truncated`) instead of throwing.
 * @throws {MalformedResponseError} when the body is larger than `maxBytes` and `truncate` is false.
 */
export async function readBodyText(
  response: Response,
  maxBytes: number,
  url: string,
  truncate = false,
): Promise<{ text: string; truncated: boolean }> {
  const tooLarge = (): MalformedResponseError =>
    new MalformedResponseError(url, `the body is larger than maxResponseBytes (${maxBytes} bytes); raise maxResponseBytes or request fewer items per call`);
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (!truncate && Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return { text: "", truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > maxBytes) {
      await reader.cancel().catch(() => undefined);
      if (!truncate) throw tooLarge();
      chunks.push(value.subarray(0, maxBytes - total));
      total = maxBytes;
      truncated = true;
      break;
    }
    chunks.push(value);
    total += value.byteLength;
  }
  return { text: Buffer.concat(chunks, total).toString("utf8"), truncated };
}
