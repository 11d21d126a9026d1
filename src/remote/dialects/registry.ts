import type { ScoreDialect } from "../options.js";
import { cohereDialect, cohereV2Dialect, infinityDialect, jinaDialect, teiDialect } from "./others.js";
import type { RerankDialect } from "./types.js";
import { vllmDialect } from "./vllm.js";

/** Every rerank dialect by name. */
export const rerankDialects: Readonly<Record<ScoreDialect, RerankDialect>> = {
  vllm: vllmDialect,
  cohere: cohereDialect,
  "cohere-v2": cohereV2Dialect,
  jina: jinaDialect,
  tei: teiDialect,
  infinity: infinityDialect,
};
