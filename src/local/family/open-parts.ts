/**
 * What every local family is built from, opened in one place: the tokenizer, the length limit,
 * the ONNX session, the micro-batch limits and the padding side.
 * @module
 */
import type { ModelFiles } from "../files/model-files.js";
import type { LocalModelOptions } from "../options.js";
import type { OnnxSession } from "../runtime/onnx-session.js";
import { TextTokenizer } from "../tokenization/text-tokenizer.js";
import { batchLimits, resolveMaxLength, type BatchLimits, type SequenceShape } from "./limits.js";
import { isDecoder, openModelSession } from "./open-session.js";

/** What every local scorer is built from. */
export interface LocalParts {
  files: ModelFiles;
  tokenizer: TextTokenizer;
  session: OnnxSession;
  /** Longest sequence fed to the model, special tokens included. */
  maxLength: number;
  /** Explicit micro-batch limits, and the dtype that picks the defaults for the rest. */
  limits: BatchLimits;
  /**
   * Padding side for batches: `left` for decoders (their last position is read), else `right`
   * (also decoders with fused GroupQueryAttention, which reads real tokens from position 0).
   */
  padding: "left" | "right";
}

/** How a family's parts are opened, beyond the caller's load options. */
export interface OpenPartsOptions extends SequenceShape {
  /**
   * The family's own length limit (sentence-transformers' `max_seq_length`, ColBERT's lengths),
   * used when the caller sets no `maxLength`. @default the model's limit (tokenizer and positions)
   */
  familyMaxLength?: number | undefined;
  /**
   * Opens the session instead of the plain one (the LLM reranker opens a rewritten graph, and
   * needs the tokenizer to find its head's tokens). @default {@link openModelSession}
   */
  openSession?: ((tokenizer: TextTokenizer) => Promise<OnnxSession>) | undefined;
}

/**
 * Opens the tokenizer and the ONNX session of a model and resolves its limits. A bad `maxLength`
 * is refused before the session is opened.
 * @throws {InvalidOptionError} when `maxLength` leaves too few tokens for `shape` or exceeds the
 *   model's positions.
 * @throws {ModelLoadError} when ONNX Runtime cannot open the graph.
 */
export async function openLocalParts(files: ModelFiles, options: LocalModelOptions, open: OpenPartsOptions = {}): Promise<LocalParts> {
  const tokenizer = new TextTokenizer(files.tokenizerJson, files.tokenizerConfig, `${files.dir}/tokenizer.json`);
  const maxLength = resolveMaxLength(files, tokenizer, options.maxLength, open.familyMaxLength, open);
  const session = open.openSession ? await open.openSession(tokenizer) : await openModelSession(files, options);
  // Decoders read their last position, so they pad left, except graphs with fused
  // GroupQueryAttention, which take right padding only (see runtime/fused-attention.ts).
  const padding = isDecoder(files, session) && session.attention !== "group-query" ? "left" : "right";
  return { files, tokenizer, session, maxLength, limits: batchLimits(options), padding };
}
