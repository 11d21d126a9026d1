/**
 * The public vocabulary of rerank-kit, kept at its historical path: the contracts live in
 * `src/contracts/` (one file per capability, one guard in `capabilities.ts`); this module
 * re-exports them and keeps the 0.x guards as thin wrappers over {@link has}.
 *
 * @module
 */
import { has } from "./contracts/capabilities.js";
import type { Classifier } from "./contracts/classifier.js";
import type { Embedder } from "./contracts/embedder.js";
import type { TokenEmbedder } from "./contracts/token-embedder.js";
import type { DocumentWindows } from "./contracts/tokenizer.js";

export * from "./contracts/index.js";

/**
 * Tokenizer access for long-document strategies: the {@link DocumentWindows} contract.
 * @deprecated Use {@link DocumentWindows} (its methods may answer with a promise) and `has(x, "windows")`.
 */
export type TokenizerAccess = DocumentWindows;

/** True when `x` implements {@link Embedder}. @deprecated Use `has(x, "embed")`. */
export function isEmbedder(x: unknown): x is Embedder {
  return has(x, "embed");
}

/** True when `x` implements {@link TokenEmbedder}. @deprecated Use `has(x, "tokenEmbed")`. */
export function isTokenEmbedder(x: unknown): x is TokenEmbedder {
  return has(x, "tokenEmbed");
}

/** True when `x` implements {@link DocumentWindows}. @deprecated Use `has(x, "windows")`. */
export function isTokenizerAccess(x: unknown): x is DocumentWindows {
  return has(x, "windows");
}

/** True when `x` implements {@link Classifier}. @deprecated Use `has(x, "classify")`. */
export function isClassifier(x: unknown): x is Classifier {
  return has(x, "classify");
}
