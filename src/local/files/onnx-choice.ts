/**
 * Which ONNX graph a folder's dtype default falls back to when `onnx/model{suffix}.onnx` is
 * missing: Optimum exports of causal LMs name their graphs `decoder_model{suffix}.onnx`,
 * `decoder_with_past_model{suffix}.onnx` and `decoder_model_merged{suffix}.onnx`.
 * @internal
 * @module
 */

const DEFAULT_GRAPH = /^(onnx\/)model(_[a-z0-9]+)?\.onnx$/;
const DECODER_GRAPH = /^(?:decoder_model_merged|decoder_with_past_model|decoder_model)(_[a-z0-9]+)?\.onnx$/;

/**
 * The merged decoder to load instead of the missing default graph `onnxFile`: only when it is
 * the one decoder graph of that dtype in the folder, so a choice between a merged graph and a
 * plain `decoder_model` stays the caller's (`onnxFile`).
 * @param onnxFile the default name the dtype gives (`onnx/model_quantized.onnx`); another name,
 *   which the caller chose, never falls back.
 * @param names the file names in the graph's folder (`onnx/`).
 * @returns the path relative to the model folder, or `undefined`.
 */
export function mergedDecoderFallback(onnxFile: string, names: readonly string[]): string | undefined {
  const m = DEFAULT_GRAPH.exec(onnxFile);
  if (!m) return undefined;
  const [, folder = "", suffix = ""] = m;
  const decoders = names.filter((n) => (DECODER_GRAPH.exec(n)?.[1] ?? "") === suffix && DECODER_GRAPH.test(n));
  const merged = `decoder_model_merged${suffix}.onnx`;
  return decoders.length === 1 && decoders[0] === merged ? `${folder}${merged}` : undefined;
}
