import { dirname } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { MAX_ONNX_BYTES, readRegularFile } from "../files/bounded-read.js";
import { checkExternalData } from "../files/external-data.js";
import { rewriteEncoderGraph } from "./encoder-graph-rewrite.js";
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
export async function openEncoderSession(path: string, options: SessionOptions = {}): Promise<OnnxSession> {
  const bytes = await readRegularFile(path, "the ONNX graph", MAX_ONNX_BYTES);
  let rewrite: ReturnType<typeof rewriteEncoderGraph>;
  try {
    rewrite = rewriteEncoderGraph(bytes, path);
  } catch (error) {
    if (!(error instanceof ModelLoadError)) throw error;
    return OnnxSession.create(path, options);
  }
  if (!rewrite) {
    checkExternalData(parseModel(bytes, path).initializers, dirname(path), path);
    return OnnxSession.create(path, options);
  }
  return openRewrittenSession(rewrite.model, { ...options, externalDataDir: dirname(path), source: path });
}
