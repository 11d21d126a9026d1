/**
 * A JSON response written piece by piece: per-token matrices of a large `/pooling` request
 * (1000 ColBERT documents are tens of millions of floats) would make one string past V8's limit
 * ("Invalid string length") and gigabytes of boxed numbers on the way. Here each matrix row is
 * formatted as it is sent, and the next rows only when the socket has taken the previous ones.
 * @internal
 * @module
 */

/** A part of the body: JSON text as is, or a float matrix written as nested arrays. */
export type JsonPart = string | { rows: number; dim: number; data: Float32Array } | { vector: Float32Array };

/** Bytes handed to the socket at a time (about 64 KiB of text). */
const CHUNK_CHARS = 1 << 16;

/**
 * A `200 application/json` response whose body is `parts` concatenated, numbers formatted by
 * `JSON.stringify` (a float32 widened to a double; non-finite values as `null`), so the text is
 * the one `c.json` would have written for the same arrays. Memory beyond the floats
 * themselves stays at one chunk, whatever the size.
 */
export function streamJson(parts: readonly JsonPart[], headers: Record<string, string> = {}): Response {
  const encoder = new TextEncoder();
  const pieces = pieceIterator(parts);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      let text = "";
      while (text.length < CHUNK_CHARS) {
        const next = pieces.next();
        if (next.done) {
          if (text) controller.enqueue(encoder.encode(text));
          controller.close();
          return;
        }
        text += next.value;
      }
      controller.enqueue(encoder.encode(text));
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/json", ...headers } });
}

/** The body's text in pieces of at most one matrix row each. */
function* pieceIterator(parts: readonly JsonPart[]): Generator<string> {
  for (const part of parts) {
    if (typeof part === "string") yield part;
    else if ("vector" in part) yield row(part.vector);
    else {
      yield "[";
      for (let r = 0; r < part.rows; r++) yield (r === 0 ? "" : ",") + row(part.data.subarray(r * part.dim, (r + 1) * part.dim));
      yield "]";
    }
  }
}

/**
 * One row as JSON. `JSON.stringify` of the row's numbers is the reference text, and measured the
 * fastest way to it: ~2.4x faster than concatenating `String(v)` per value (1.5 vs 3.6 us per
 * float on a loaded 2-core machine); formatting ~20 characters per float is most of the cost of a
 * large token_embed answer.
 */
function row(values: Float32Array): string {
  return JSON.stringify(Array.from(values));
}

/**
 * vLLM's `/pooling` list with float outputs, streamed: `{id, object: "list", created, model, data:
 * [{index, object: "pooling", data}], usage}`, the same text `c.json` writes for it.
 */
export function streamPoolingList(
  meta: { id: string; created: number; model: string; promptTokens: number },
  outputs: ReadonlyArray<{ data: Float32Array; shape: readonly number[] }>,
): Response {
  const head = JSON.stringify({ id: meta.id, object: "list", created: meta.created, model: meta.model });
  const parts: JsonPart[] = [`${head.slice(0, -1)},"data":[`];
  outputs.forEach((o, index) => {
    parts.push(`${index === 0 ? "" : ","}{"index":${index},"object":"pooling","data":`);
    const [rows, dim] = o.shape;
    parts.push(o.shape.length === 1 ? { vector: o.data } : { rows: rows as number, dim: dim as number, data: o.data });
    parts.push("}");
  });
  const tokens = meta.promptTokens;
  parts.push(`],"usage":${JSON.stringify({ prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0, prompt_tokens_details: null })}}`);
  return streamJson(parts);
}
