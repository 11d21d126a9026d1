import { dirname } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { MAX_ONNX_BYTES, readRegularFile } from "../files/bounded-read.js";
import { checkExternalData } from "../files/external-data.js";
import { rewriteEncoderGraph } from "./encoder-graph-rewrite.js";
import { rewriteInt8WeightsToUint8, wantsUint8Weights } from "./int8-weights-u8.js";
import { openRewrittenSession } from "./lm-head-rewrite.js";
import { parseModel } from "./onnx-proto.js";
import { OnnxSession, type SessionOptions } from "./onnx-session.js";

/**
 * Opens an encoder graph, first rewritten into patterns ONNX Runtime fuses when it has any
 * (see encoder-graph-rewrite.ts); graphs without them open from the file as before. The file is
 * read bounded by its size (a regular file of at most 2 GiB, never a device or a FIFO), and its
 * external data references are checked before ONNX Runtime follows them.
 * @throws {ModelLoadError} as {@link OnnxSession.create}, or naming the file or the reference
 *   it refuses.
 */
export function openEncoderSession(path: string, options: SessionOptions = {}): Promise<OnnxSession> {
  return openGraphSession(path, options, true);
}

/**
 * Opens a graph through the load-time rewrites that apply: the encoder fusion rewrite when
 * `encoder`, and int8 weights to uint8 where {@link SessionOptions.int8Weights} asks for it (see
 * int8-weights-u8.ts). The file is read bounded; a graph no rewrite changes opens from its file
 * once its external data references are checked.
 * @throws {ModelLoadError} as {@link OnnxSession.create}, or naming the file or the reference it refuses.
 */
export async function openGraphSession(path: string, options: SessionOptions = {}, encoder = false): Promise<OnnxSession> {
  const u8 = wantsUint8Weights(options.int8Weights);
  if (!encoder && !u8) return OnnxSession.create(path, options);
  const bytes = await readRegularFile(path, "the ONNX graph", MAX_ONNX_BYTES);
  let model: Uint8Array | undefined;
  try {
    model = encoder ? rewriteEncoderGraph(bytes, path)?.model : undefined;
    if (u8) model = rewriteInt8WeightsToUint8(model ?? bytes, path)?.model ?? model;
  } catch (error) {
    if (!(error instanceof ModelLoadError)) throw error;
    return OnnxSession.create(path, options);
  }
  if (!model) {
    checkExternalData(parseModel(bytes, path).initializers, dirname(path), path);
    return OnnxSession.create(path, options);
  }
  return openRewrittenSession(model, { ...options, externalDataDir: dirname(path), source: path });
}
