/**
 * A call's arguments as they cross to a worker: images travel as bytes or pixels in buffers moved
 * (transferred) to the worker instead of cloned, and `URL` objects, which structured cloning
 * refuses, as `{ image: href }` (or the href inside `{ image: URL }`).
 * @internal
 * @module
 */

/** Arguments ready for `postMessage`, and the buffers to transfer with them. @internal */
export interface WireArgs {
  args: unknown[];
  transfer: ArrayBuffer[];
}

/** How deep arguments are walked: `score(queries, [{ image: { data } }])` is four levels. */
const MAX_DEPTH = 6;

/**
 * Prepares `args` for the worker without touching the caller's values: every typed array is copied
 * into a buffer of its own (the caller's buffer is never detached; a `Buffer` from Node's shared
 * pool would otherwise send the whole pool) and that copy is transferred; a `URL` becomes
 * `{ image: href }` (a bare URL is an image wherever it is accepted, while a bare string may be
 * text). Objects shared between arguments stay shared, so the worker still embeds a repeated image
 * once. @internal
 */
export function toWire(args: readonly unknown[]): WireArgs {
  const transfer: ArrayBuffer[] = [];
  const seen = new Map<object, unknown>();
  const visit = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return value;
    const known = seen.get(value);
    if (known !== undefined) return known;
    let out: unknown;
    if (value instanceof URL) out = { image: value.href };
    else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      // new Uint8Array(view) copies; a Buffer's own slice() would share the caller's memory.
      const copy = value instanceof Uint8Array ? new Uint8Array(value) : (value as unknown as { slice(): ArrayBufferView }).slice();
      transfer.push(copy.buffer as ArrayBuffer);
      out = copy;
    } else if (Array.isArray(value)) {
      const list: unknown[] = [];
      seen.set(value, list);
      for (const item of value) list.push(visit(item, depth + 1));
      return list;
    } else if (Object.getPrototypeOf(value) === Object.prototype) {
      const copy: Record<string, unknown> = {};
      seen.set(value, copy);
      // `{ image: URL }` already says image: its URL travels as the href.
      for (const [k, v] of Object.entries(value)) copy[k] = k === "image" && v instanceof URL ? v.href : visit(v, depth + 1);
      return copy;
    } else out = value;
    seen.set(value, out);
    return out;
  };
  return { args: args.map((a) => visit(a, 0)), transfer };
}
