/**
 * Opening a graph rewritten at load (in memory), with the external data it still references.
 * @module
 */
import { ModelLoadError } from "../../errors/model-load-error.js";
import { checkExternalData } from "../files/external-data.js";
import { OnnxSession, type SessionOptions } from "./onnx-session.js";
import { parseModel } from "./onnx-proto.js";

/**
 * Opens a session on rewritten bytes. When the graph references external data files
 * (`model.onnx_data` next to the original model, or the `.onnx` file itself for the weights
 * weights-on-disk.ts left there), every reference is checked first (inside the model folder, a
 * regular file, its range within the file) and ONNX Runtime reads them from `externalDataDir`
 * while the graph stays in memory: nothing is written, so a read-only model folder (a shared
 * cache, a container image) loads.
 * @throws {ModelLoadError} as {@link OnnxSession.create}, when `externalDataDir` is missing, or
 *   as {@link checkExternalData} for a reference it refuses.
 */
export async function openRewrittenSession(
  model: Uint8Array,
  options: SessionOptions & { externalDataDir?: string | undefined; source?: string | undefined } = {},
): Promise<OnnxSession> {
  const source = options.source ?? "rewritten model";
  const { externalDataDir, source: _source, ...sessionOptions } = options;
  const onDisk = parseModel(model, source).initializers.filter((t) => t.external);
  if (onDisk.length === 0) return OnnxSession.fromBytes(model, source, sessionOptions);
  if (!externalDataDir) {
    throw new ModelLoadError(`${source} references external data; pass externalDataDir`, { path: source });
  }
  checkExternalData(onDisk, externalDataDir, source);
  return OnnxSession.fromBytes(model, source, { ...sessionOptions, externalDataDir });
}
