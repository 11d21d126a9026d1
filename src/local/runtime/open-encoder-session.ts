import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { rewriteEncoderGraph } from "./encoder-graph-rewrite.js";
import { rewriteInt8WeightsToUint8, wantsUint8Weights } from "./int8-weights-u8.js";
import { openRewrittenSession } from "./lm-head-rewrite.js";
import { OnnxSession, type SessionOptions } from "./onnx-session.js";

/**
 * Opens an encoder graph, first rewritten into patterns ONNX Runtime fuses when it has any
 * (see encoder-graph-rewrite.ts); graphs without them open from the file as before.
 * @throws {ModelLoadError} as {@link OnnxSession.create}.
 */
export function openEncoderSession(path: string, options: SessionOptions = {}): Promise<OnnxSession> {
  return openGraphSession(path, options, true);
}

/**
 * Opens a graph through the load-time rewrites that apply: the encoder fusion rewrite when
 * `encoder`, and int8 weights to uint8 where {@link SessionOptions.int8Weights} asks for it (see
 * int8-weights-u8.ts). A graph no rewrite changes opens from its file.
 * @throws {ModelLoadError} as {@link OnnxSession.create}.
 */
export async function openGraphSession(path: string, options: SessionOptions = {}, encoder = false): Promise<OnnxSession> {
  const u8 = wantsUint8Weights(options.int8Weights);
  if (!encoder && !u8) return OnnxSession.create(path, options);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    // ONNX Runtime names the problem (missing file, permissions) in its own words.
    return OnnxSession.create(path, options);
  }
  let model: Uint8Array | undefined;
  try {
    model = encoder ? rewriteEncoderGraph(bytes, path)?.model : undefined;
    if (u8) model = rewriteInt8WeightsToUint8(model ?? bytes, path)?.model ?? model;
  } catch (error) {
    if (!(error instanceof ModelLoadError)) throw error;
    return OnnxSession.create(path, options);
  }
  if (!model) return OnnxSession.create(path, options);
  return openRewrittenSession(model, { ...options, externalDataDir: dirname(path), source: path });
}
