import type { MessageContent } from "@llamaindex/core/llms";
import type { BaseNodePostprocessor } from "@llamaindex/core/postprocessor";
import { MetadataMode, type NodeWithScore } from "@llamaindex/core/schema";
import { InvalidInputError } from "../../src/index.js";
import { validateOptions, type OptionRule } from "../../src/internal.js";
import type { RerankOptions, Scorer } from "../../src/index.js";
import { Lazy, LOCAL_MODEL_RULES, loadLocalScorer, type LocalModelSettings } from "../shared/local-model.js";
import { queryText } from "./query-text.js";

/** Options of {@link RerankKitPostprocessor}. None is written back. */
export interface RerankKitPostprocessorOptions extends LocalModelSettings {
  /**
   * Any rerank-kit scorer (used as is, never closed here), or a Hub id or folder to load on first
   * use: in a worker thread unless `worker: false`, and closed by `close()`.
   */
  scorer: Scorer | string;
  /** Nodes kept per call; `0` keeps all. @default 3 */
  topN?: number;
  /** Drop nodes scoring below this. Scores are model-specific: calibrate per model. @default undefined */
  scoreThreshold?: number;
  /** The text of a node the model scores. @default MetadataMode.NONE (the text alone) */
  metadataMode?: MetadataMode;
  /**
   * What happens to nodes with no text (an image node, an empty chunk): `"last"` keeps them after
   * every scored node, with `score: undefined`, as far as `topN` leaves room; `"drop"` removes them.
   * @default "last"
   */
  nodesWithoutText?: "last" | "drop";
  /** Passed to every scorer call (`activation`, `maxTokensPerDoc`, `instruction`, ...). @default {} */
  scoreOptions?: Omit<RerankOptions, "topN" | "scoreThreshold" | "onProgress">;
}

/** The rule of every {@link RerankKitPostprocessorOptions} field. @internal */
export const POSTPROCESSOR_RULES = {
  ...LOCAL_MODEL_RULES,
  scorer: { kind: "any", note: "a Scorer, or a model id or folder" },
  topN: { kind: "integer", min: 0, note: "0 = all" },
  scoreThreshold: { kind: "number" },
  metadataMode: { kind: "any", note: "a MetadataMode" },
  nodesWithoutText: { kind: "enum", values: ["last", "drop"] },
  scoreOptions: { kind: "object" },
} as const satisfies Record<keyof RerankKitPostprocessorOptions, OptionRule>;

/**
 * A LlamaIndex.TS node postprocessor that reranks retrieved nodes with any rerank-kit
 * {@link Scorer} and keeps the best `topN`. It returns new `NodeWithScore`s (the same nodes,
 * the reranker's score), best first; the caller's array, entries and nodes are left as they were.
 *
 * @example
 * ```ts
 * import { VectorStoreIndex } from "llamaindex";
 * import { RerankKitPostprocessor } from "rerank-kit/llamaindex";
 *
 * const reranker = new RerankKitPostprocessor({ scorer: "Xenova/ms-marco-MiniLM-L-6-v2", topN: 3 });
 * const engine = index.asQueryEngine({ similarityTopK: 20, nodePostprocessors: [reranker] });
 * ```
 */
export class RerankKitPostprocessor implements BaseNodePostprocessor {
  /** Nodes kept per call; `0` keeps all. */
  readonly topN: number;
  /** Nodes scoring below this are dropped. */
  readonly scoreThreshold: number | undefined;
  /** Which node text is scored. */
  readonly metadataMode: MetadataMode;
  /** Where nodes without text go. */
  readonly nodesWithoutText: "last" | "drop";
  readonly #scorer: Lazy<Scorer>;
  readonly #scoreOptions: RerankKitPostprocessorOptions["scoreOptions"];

  /** @throws {InvalidInputError} on a missing scorer or an out-of-range option. */
  constructor(options: RerankKitPostprocessorOptions) {
    const scorer = options?.scorer;
    if (typeof scorer === "string") this.#scorer = new Lazy(() => loadLocalScorer(scorer, options));
    else if (typeof scorer?.rerank === "function") this.#scorer = new Lazy(scorer);
    else throw new InvalidInputError("RerankKitPostprocessor needs a scorer or a model id / folder", { field: "scorer" });
    validateOptions(options, POSTPROCESSOR_RULES, { where: "RerankKitPostprocessor" });
    this.topN = options.topN ?? 3;
    this.scoreThreshold = options.scoreThreshold;
    this.metadataMode = options.metadataMode ?? MetadataMode.NONE;
    this.nodesWithoutText = options.nodesWithoutText ?? "last";
    this.#scoreOptions = { ...options.scoreOptions };
  }

  /**
   * Reranks `nodes` against the text of `query` and returns the best `topN`, best first.
   * @throws {InvalidInputError} when `query` is missing or has no text, or (with `nodesWithoutText: "last"`)
   *   naming `nodes[i]` when an entry holds no node (`"drop"` drops such entries).
   * @throws {AbortError} when `scoreOptions.signal` fires.
   */
  async postprocessNodes(nodes: NodeWithScore[], query?: MessageContent): Promise<NodeWithScore[]> {
    if (!Array.isArray(nodes)) throw new InvalidInputError("nodes must be an array", { field: "nodes" });
    const text = queryText(query);
    if (nodes.length === 0) return [];
    const withText: number[] = [];
    const withoutText: number[] = [];
    const texts: string[] = [];
    nodes.forEach((entry, i) => {
      const content = entry?.node?.getContent(this.metadataMode);
      if (typeof content === "string" && content.trim() !== "") {
        withText.push(i);
        texts.push(content);
      } else if (this.nodesWithoutText === "last") {
        // "last" hands every entry's node back, so an entry without one cannot be kept: say which.
        if (entry?.node == null) throw new InvalidInputError(`nodes[${i}] holds no node`, { field: `nodes[${i}]` });
        withoutText.push(i);
      }
    });
    const ranked =
      texts.length === 0
        ? []
        : await (await this.#scorer.get()).rerank(text, texts, { ...this.#scoreOptions, topN: this.topN, scoreThreshold: this.scoreThreshold });
    const out: NodeWithScore[] = ranked.map(({ index, score }) => ({ node: (nodes[withText[index] as number] as NodeWithScore).node, score }));
    // withoutText is empty with "drop".
    for (const i of withoutText) out.push({ node: (nodes[i] as NodeWithScore).node, score: undefined });
    return this.topN > 0 ? out.slice(0, this.topN) : out;
  }

  /** Closes the scorer if this postprocessor loaded it from a model id or folder. */
  close(): Promise<void> {
    return this.#scorer.close();
  }
}
