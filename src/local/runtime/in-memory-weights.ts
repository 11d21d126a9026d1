/**
 * Hands a rewritten model to ONNX Runtime without a second in-memory copy of its weights.
 *
 * A graph rewritten at load (the LM-head rewrite, the int8 -> uint8 shift) is a buffer of
 * hundreds of megabytes, mostly weights. Given as model bytes, ONNX Runtime parses it into its own
 * protobuf (a copy of every weight) before building its tensors (another). Instead the graph is
 * re-serialized small, each large inline weight turned into an external-data reference into the
 * same buffer, and that buffer is given as an in-memory external data file
 * (`sessionOptions.externalData`), which ONNX Runtime reads straight into its tensors.
 * @module
 */
import { parseModel, readFields, serializeModel, type TensorInfo } from "./onnx-proto.js";
import { bytes, concat, int } from "./onnx-writer.js";

/** The external-data location naming the in-memory buffer (never a file: the name cannot collide with one a model ships). */
export const IN_MEMORY_WEIGHTS = "rerank-kit:in-memory-weights";

/** Weights smaller than this stay inline (the saving is in the large ones). */
const MIN_BYTES = 1 << 16;

/**
 * The graph of `model` with every inline weight of at least 64 KiB replaced by a reference into
 * `model` itself (location {@link IN_MEMORY_WEIGHTS}), or undefined when no weight was moved.
 * Open the result with `externalData: [{ path: IN_MEMORY_WEIGHTS, data: model }]`.
 * @param source named in errors
 */
export function externalizeWeights(model: Uint8Array, source: string): Uint8Array | undefined {
  const parsed = parseModel(model, source);
  const initializers = parsed.initializers.map((t) => externalizedTensor(t, model));
  if (initializers.every((raw, i) => raw === parsed.initializers[i]?.raw)) return undefined;
  return serializeModel({ ...parsed, nodes: parsed.nodes.map((n) => n.raw), outputs: parsed.outputs.map((o) => o.raw), initializers });
}

/**
 * The tensor's bytes with its inline data replaced by a reference into `store` (location
 * {@link IN_MEMORY_WEIGHTS}), or its bytes as they are when it is small, external, or not a view of `store`.
 */
export function externalizedTensor(t: TensorInfo, store: Uint8Array): Uint8Array {
  const data = t.rawData;
  if (!data || t.external || data.length < MIN_BYTES || data.buffer !== store.buffer) return t.raw;
  // TensorProto: raw_data is field 9, external_data 13, data_location 14 (1 = EXTERNAL).
  const kept = readFields(t.raw).filter((f) => f.field !== 9 && f.field !== 13 && f.field !== 14);
  return concat([
    ...kept.map((f) => f.raw),
    entry("location", IN_MEMORY_WEIGHTS),
    entry("offset", String(data.byteOffset - store.byteOffset)),
    entry("length", String(data.length)),
    int(14, 1),
  ]);
}

/** One StringStringEntryProto of `external_data`. */
function entry(key: string, value: string): Uint8Array {
  return bytes(13, concat([bytes(1, key), bytes(2, value)]));
}
