import type { ServerContext } from "../context.js";
import { HttpError } from "../http/http-error.js";
import type { EmbedDtype } from "../runtime/tensor-bytes.js";
import type { OutputEncoding } from "./embed-output.js";

/**
 * Characters one float takes in a float JSON answer: a float32 widened to a double prints up to 17
 * significant digits (`-0.054650478065013885,`); measured 20.7 per float over a real ColBERT
 * answer of 133M floats.
 */
export const JSON_BYTES_PER_FLOAT = 20;

const DTYPE_BYTES: Record<EmbedDtype, number> = { float32: 4, float16: 2, bfloat16: 2, fp8_e4m3: 1, fp8_e5m2: 1 };

/** The answer's estimated size in bytes for `floats` values in `encoding`. */
export function estimatedResponseBytes(floats: number, encoding: OutputEncoding): number {
  if (encoding.format === "float") return floats * JSON_BYTES_PER_FLOAT;
  const raw = floats * DTYPE_BYTES[encoding.dtype];
  return encoding.format === "base64" ? Math.ceil(raw / 3) * 4 : raw;
}

/**
 * Refuses an answer that would exceed `maxResponseBytes` before it is built: per-token outputs grow
 * with tokens x dim (1000 ColBERT documents of 1000 tokens are 133M floats, 2.7 GB of JSON and
 * minutes of formatting). The answer is vLLM's for content over a limit: 413 `ContentTooLargeError`.
 * `floats` may be a running count (the check is repeated as tokens are counted), so the message
 * says "at least".
 * @throws {HttpError} 413 naming the estimate, the limit and the ways around it.
 */
export function checkResponseSize(ctx: ServerContext, floats: number, encoding: OutputEncoding): void {
  const limit = ctx.options.maxResponseBytes;
  const estimate = estimatedResponseBytes(floats, encoding);
  if (estimate <= limit) return;
  const mib = (n: number): string => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 2 : 0)} MiB`;
  const cheaper = encoding.format === "float" ? " or ask for encoding_format base64 or bytes (4 bytes per float instead of about 20)" : "";
  throw new HttpError(
    413,
    "ContentTooLargeError",
    `The response would hold at least ${floats} floats (about ${mib(estimate)} as encoding_format ${encoding.format}), ` +
      `over this server's limit of ${limit} bytes (maxResponseBytes, serve --max-response-bytes). ` +
      `Send fewer inputs per request${cheaper}.`,
    { param: "input" },
  );
}

/** The width of the token embedder's rows, learned once per server from a one-text call. */
const widths = new WeakMap<ServerContext, number>();

/**
 * The per-token vector width, from a cached answer or a probe (one short input through `probe`),
 * so the size check can run before the request's own inference.
 */
export async function tokenWidth(ctx: ServerContext, probe: () => Promise<ReadonlyArray<{ dim: number }>>): Promise<number> {
  const known = widths.get(ctx);
  if (known !== undefined) return known;
  const [first] = await probe();
  const dim = first?.dim ?? 0;
  if (dim > 0) widths.set(ctx, dim);
  return dim;
}

/** Remembers the width seen in a real answer, so later requests skip the probe. */
export function rememberWidth(ctx: ServerContext, dim: number | undefined): void {
  if (dim !== undefined && dim > 0) widths.set(ctx, dim);
}
