/**
 * The 0.x names of the worker proxy, one per family. There is one proxy class now,
 * {@link WorkerScorer}, with the capabilities its model reports; these are it, typed per family.
 * @module
 */
import type { BiEncoderScorer } from "../bi-encoder.js";
import type { CrossEncoderScorer } from "../cross-encoder.js";
import type { LateInteractionScorer } from "../late-interaction/late-interaction-scorer.js";
import type { SequenceTokenEmbedder } from "../../contracts/sequence-embedder.js";
import { WorkerScorer, type WorkerOf } from "./worker-scorer.js";

/** A worker proxy over a bi-encoder. @deprecated Use {@link WorkerScorer} and `has(x, "embed")`. */
export const WorkerBiEncoder = WorkerScorer;
/** A worker proxy over a bi-encoder. @deprecated Use `WorkerOf<...>` or {@link WorkerScorer}. */
export type WorkerBiEncoder = WorkerOf<(typeof BiEncoderScorer.capabilities)[number]>;

/** A worker proxy over a ColBERT model. @deprecated Use {@link WorkerScorer} and `has(x, "tokenEmbed")`. */
export const WorkerLateInteraction = WorkerScorer;
/** A worker proxy over a ColBERT model. @deprecated Use `WorkerOf<...>` or {@link WorkerScorer}. */
export type WorkerLateInteraction = WorkerOf<(typeof LateInteractionScorer.capabilities)[number]>;

/** A worker proxy over a sequence classifier. @deprecated Use {@link WorkerScorer} and `has(x, "classify")`. */
export const WorkerClassifier = WorkerScorer;
/** A worker proxy over a sequence classifier. @deprecated Use `WorkerOf<...>` or {@link WorkerScorer}. */
export type WorkerClassifier = WorkerOf<(typeof CrossEncoderScorer.capabilities)[number]>;

/** Per-token vectors of token-id sequences. @deprecated Use `SequenceTokenEmbedder["embedTokenSequences"]`. */
export type EmbedTokenSequences = SequenceTokenEmbedder["embedTokenSequences"];
