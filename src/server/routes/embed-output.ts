import { tensorBase64, tensorBytes, type EmbedDtype, type Endianness } from "../runtime/tensor-bytes.js";

/** vLLM's `encoding_format` values for pooling outputs. */
export type EncodingFormat = "float" | "base64" | "bytes" | "bytes_only";

/** One pooling output: a vector, or a `[rows][dim]` matrix stored row-major. */
export interface PooledOutput {
  data: Float32Array;
  /** `[dim]` for a vector, `[rows, dim]` for a matrix. */
  shape: number[];
}

/** How outputs are encoded. */
export interface OutputEncoding {
  format: EncodingFormat;
  dtype: EmbedDtype;
  endianness: Endianness;
}

/** The encoding a request asks for, with vLLM's defaults (float, float32, native). */
export function outputEncoding(body: {
  encoding_format?: EncodingFormat | null | undefined;
  embed_dtype?: EmbedDtype | null | undefined;
  endianness?: Endianness | null | undefined;
}): OutputEncoding {
  return { format: body.encoding_format ?? "float", dtype: body.embed_dtype ?? "float32", endianness: body.endianness ?? "native" };
}

/** A JSON value for one output: nested floats, or base64 of its bytes in `embed_dtype` / `endianness`. */
export function jsonValue(output: PooledOutput, encoding: OutputEncoding): number[] | number[][] | string {
  if (encoding.format === "base64") return tensorBase64(output.data, encoding.dtype, encoding.endianness);
  if (output.shape.length === 1) return Array.from(output.data);
  const [rows, dim] = output.shape as [number, number];
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) out.push(Array.from(output.data.subarray(r * dim, (r + 1) * dim)));
  return out;
}

/**
 * vLLM's binary answer (`bytes` / `bytes_only`): the outputs' bytes concatenated as
 * `application/octet-stream`; with `bytes`, a `metadata` header holds the JSON
 * `{id, created, model, data: [{index, embed_dtype, endianness, start, end, shape}], usage}`.
 */
export function bytesResponse(
  outputs: PooledOutput[],
  encoding: OutputEncoding,
  meta: { id: string; created: number; model: string; promptTokens: number },
): Response {
  const parts = outputs.map((o) => tensorBytes(o.data, encoding.dtype, encoding.endianness));
  const headers: Record<string, string> = { "content-type": "application/octet-stream" };
  if (encoding.format === "bytes") {
    let offset = 0;
    const data = parts.map((p, index) => {
      const item = {
        index,
        embed_dtype: encoding.dtype,
        endianness: encoding.endianness,
        start: offset,
        end: offset + p.length,
        shape: (outputs[index] as PooledOutput).shape,
      };
      offset += p.length;
      return item;
    });
    headers["metadata"] = JSON.stringify({
      id: meta.id,
      created: meta.created,
      model: meta.model,
      data,
      usage: { prompt_tokens: meta.promptTokens, total_tokens: meta.promptTokens },
    });
  }
  return new Response(Buffer.concat(parts), { status: 200, headers });
}
