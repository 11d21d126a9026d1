/**
 * Opening a model's ONNX session, and what the session says about the model: decoders open the
 * graph as exported, encoders go through the fusion rewrite, and a decoder's batches pad left.
 * @module
 */
import type { ModelFiles } from "../files/model-files.js";
import type { OnnxSession, SessionOptions } from "../runtime/onnx-session.js";
import { openEncoderSession, openGraphSession } from "../runtime/open-encoder-session.js";
import type { LocalModelOptions } from "../options.js";

/**
 * Decoder families whose plain exports (`input_ids`, `attention_mask` only) give no other sign of
 * being decoders. Graphs exported for generation are recognized from their inputs.
 */
const DECODER_MODEL_TYPES = new Set([
  "qwen2", "qwen3", "qwen2_moe", "qwen3_moe", "llama", "mistral", "gemma", "gemma2", "gemma3", "gemma3_text",
  "phi", "phi3", "gpt2", "gpt_neox", "olmo", "olmo2", "smollm3", "granite",
]);

function isDecoderType(files: ModelFiles): boolean {
  return DECODER_MODEL_TYPES.has(String(files.config["model_type"] ?? ""));
}

/** True when the model is a decoder: its graph takes positions or a cache, or its config says so. */
export function isDecoder(files: ModelFiles, session: OnnxSession): boolean {
  return session.decoder || isDecoderType(files) || files.config["is_decoder"] === true;
}

/** The ONNX Runtime options of a model loaded with `options` (threads, device, int8 kernel, cache sizes). */
export function sessionOptions(files: ModelFiles, options: Pick<LocalModelOptions, "threads" | "device" | "int8Weights">): SessionOptions {
  return { threads: options.threads, device: options.device, int8Weights: options.int8Weights, config: files.config };
}

/**
 * Opens the model's graph: as exported for decoder model types, else through the encoder
 * rewrite (which falls back to the file as is when it finds nothing to fuse); either way with
 * int8 weights made uint8 where `int8Weights` asks for it.
 * @throws {ModelLoadError} naming the file when ONNX Runtime rejects it.
 */
export function openModelSession(files: ModelFiles, options: Pick<LocalModelOptions, "threads" | "device" | "int8Weights">): Promise<OnnxSession> {
  const session = sessionOptions(files, options);
  return isDecoderType(files) ? openGraphSession(files.onnxPath, session) : openEncoderSession(files.onnxPath, session);
}
