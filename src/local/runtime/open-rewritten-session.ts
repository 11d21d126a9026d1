/**
 * Opening a graph rewritten at load (in memory), with the external data it still references.
 * @module
 */
import { ModelLoadError } from "../../errors/model-load-error.js";
import { checkExternalData } from "../files/external-data.js";
import { IN_MEMORY_WEIGHTS } from "./in-memory-weights.js";
import { OnnxSession, type SessionOptions } from "./onnx-session.js";
import { parseModel } from "./onnx-proto.js";

/**
 * Opens a session on rewritten bytes. When the graph still references external data files
 * (`model.onnx_data` next to the original model), every reference is checked first (inside the
 * model folder, a regular file, its range within the file) and ONNX Runtime reads them from
 * `externalDataDir` while the graph stays in memory: nothing is written, so a read-only model
 * folder (a shared cache, a container image) loads.
 * Weights that `externalizeWeights` (in-memory-weights.ts) moved out of the graph are read from `inMemoryWeights`.
 * @throws {ModelLoadError} as {@link OnnxSession.create}, when `externalDataDir` is missing, or
 *   as {@link checkExternalData} for a reference it refuses.
 */
export async function openRewrittenSession(
  model: Uint8Array,
  options: SessionOptions & { externalDataDir?: string | undefined; source?: string | undefined; inMemoryWeights?: Uint8Array | undefined } = {},
): Promise<OnnxSession> {
  const source = options.source ?? "rewritten model";
  const { externalDataDir, source: _source, inMemoryWeights, ...sessionOptions } = options;
  const inMemory = inMemoryWeights && { externalData: [{ path: IN_MEMORY_WEIGHTS, data: inMemoryWeights }] };
  const initializers = parseModel(model, source).initializers;
  const onDisk = initializers.filter((t) => t.external && t.external.location !== IN_MEMORY_WEIGHTS);
  if (onDisk.length === 0) return OnnxSession.fromBytes(model, source, { ...sessionOptions, ...inMemory });
  if (!externalDataDir) {
    throw new ModelLoadError(`${source} references external data; pass externalDataDir`, { path: source });
  }
  checkExternalData(onDisk, externalDataDir, source);
  return OnnxSession.fromBytes(model, source, { ...sessionOptions, externalDataDir, ...inMemory });
}
