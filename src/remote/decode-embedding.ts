import { MalformedResponseError } from "./errors/malformed-response-error.js";

/**
 * Turns one wire embedding into a `Float32Array`: a JSON array of finite numbers, or a base64
 * string of little-endian float32 values (what vLLM, OpenAI, TEI and Infinity send for
 * `encoding_format: "base64"`).
 *
 * @param field - The value's place in the answer, for messages (e.g. `data[2].embedding`).
 * @throws {MalformedResponseError} for anything else, a byte length not divisible by 4, or a non-finite value.
 */
export function decodeEmbedding(url: string, body: unknown, value: unknown, field: string): Float32Array {
  if (Array.isArray(value)) {
    const out = new Float32Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new MalformedResponseError(url, `${field}[${i}] is ${String(v)}, not a finite number`, { body });
      }
      out[i] = v;
    }
    return out;
  }
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "base64");
    if (bytes.length % 4 !== 0) {
      throw new MalformedResponseError(url, `${field} is ${bytes.length} base64 bytes, not a whole number of float32`, {
        body,
      });
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Float32Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i])) {
        throw new MalformedResponseError(url, `${field}[${i}] decodes to ${out[i]}, not a finite number`, { body });
      }
    }
    return out;
  }
  throw new MalformedResponseError(url, `${field} is neither a number array nor a base64 string`, { body });
}
