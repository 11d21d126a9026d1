/**
 * Warnings a load gives when it made a choice the user should know about (a mirror loaded without
 * sentence-transformers files, an LLM reranker without a score template). They go through Node's
 * own channel, `process.emitWarning`, with the type `RerankKitWarning`: printed once per load on
 * stderr by default, listened to with `process.on("warning")`, silenced with `--no-warnings`, in
 * worker threads as in the main thread.
 * @module
 */

/** The `name` of every warning rerank-kit emits. */
export const WARNING_TYPE = "RerankKitWarning";

/** Emits one load warning; `code` lets a listener tell them apart (`RERANK_KIT_NO_ST_FILES`, ...). */
export function emitLoadWarning(code: string, message: string): void {
  process.emitWarning(message, { type: WARNING_TYPE, code });
}
