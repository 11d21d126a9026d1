import { randomUUID } from "node:crypto";
import { CallbackManager, type Callbacks } from "@langchain/core/callbacks/manager";
import type { LongDocumentStrategy } from "./long-documents.js";

/** Name of the custom event {@link RerankCompressor} emits once per `compressDocuments` call. */
export const RERANK_EVENT = "rerank_kit";

/** Payload of the {@link RERANK_EVENT} custom event. */
export interface RerankEvent {
  /** The scorer's model id or folder. */
  model: string;
  /** The scorer's score type. */
  scoreType: string;
  /** Documents received. */
  documents: number;
  /** Documents returned after `topN` and `scoreThreshold`. */
  kept: number;
  /** Wall time of the call in milliseconds. */
  durationMs: number;
  /** How long documents were handled. */
  longDocuments: LongDocumentStrategy;
  /**
   * Documents that lost text to truncation: in `truncate` mode those over the model's length, in
   * `chunk-max` mode those needing more than `maxChunksPerDoc` windows. `null` when the scorer has no
   * tokenizer to tell (remote scorers).
   */
  truncated: number | null;
  /** Texts sent to the scorer (equals `documents` unless `chunk-max` split some). */
  scoredTexts: number;
  /** The `topN` applied (`0` = all). */
  topN: number;
  /** The `scoreThreshold` applied, if any. */
  scoreThreshold: number | null;
  /** With `onError: "keep-order"`, the scorer's error message when it failed; otherwise `null`. */
  error: string | null;
}

/**
 * Sends `event` to the handlers in `callbacks` (a CallbackManager from a retriever, or a plain
 * handler list). Does nothing without callbacks.
 */
export async function emitRerankEvent(callbacks: Callbacks | undefined, event: RerankEvent): Promise<void> {
  if (callbacks === undefined) return;
  const manager = CallbackManager.configure(callbacks);
  if (manager === undefined) return;
  await manager.handleCustomEvent?.(RERANK_EVENT, event, manager.getParentRunId() ?? randomUUID());
}
