import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { rewriteEncoderGraph } from "./encoder-graph-rewrite.js";
import { openRewrittenSession } from "./lm-head-rewrite.js";
import { OnnxSession, type SessionOptions } from "./onnx-session.js";

/**
 * Opens an encoder graph, first rewritten into patterns ONNX Runtime fuses when it has any
 * (see encoder-graph-rewrite.ts); graphs without them open from the file as before.
 * @throws {ModelLoadError} as {@link OnnxSession.create}.
 */
export async function openEncoderSession(path: string, options: SessionOptions = {}): Promise<OnnxSession> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    // ONNX Runtime names the problem (missing file, permissions) in its own words.
    return OnnxSession.create(path, options);
  }
  let rewrite: ReturnType<typeof rewriteEncoderGraph>;
  try {
    rewrite = rewriteEncoderGraph(bytes, path);
  } catch (error) {
    if (!(error instanceof ModelLoadError)) throw error;
    return OnnxSession.create(path, options);
  }
  if (!rewrite) return OnnxSession.create(path, options);
  return openRewrittenSession(rewrite.model, { ...options, externalDataDir: dirname(path), source: path });
}
