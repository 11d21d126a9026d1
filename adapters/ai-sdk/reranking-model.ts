import type { RerankingModelV3, RerankingModelV3CallOptions } from "@ai-sdk/provider";

/** The result of a V3 `doRerank`. */
type RerankingModelV3Result = Awaited<ReturnType<RerankingModelV3["doRerank"]>>;
import { InvalidInputError, throwIfAborted } from "../../src/index.js";
import { validateOptions, type OptionRule } from "../../src/internal.js";
import type { Scorer } from "../../src/index.js";
import { Lazy } from "../shared/local-model.js";
import { RERANK_PROVIDER_RULES, type RerankKitRerankProviderOptions } from "./provider-options.js";
import { rerankCall, type RerankOutcome } from "./rerank-call.js";

/** Settings of {@link RerankKitRerankingModel}. None is written back. */
export interface RerankKitRerankingModelSettings {
  /** Any rerank-kit scorer (local, worker or remote), or a function loading one on first use (then owned and closed by `close()`). */
  scorer: Scorer | (() => Promise<Scorer>);
  /** The id the AI SDK logs. @default the scorer's `model` (required with a loader function) */
  modelId?: string;
  /** The provider name the AI SDK logs. @default "rerank-kit" */
  provider?: string;
  /** For object documents: the field holding the text to rank on. @default "text" */
  documentField?: string;
  /** Defaults for every call; a call's `providerOptions.rerankKit` overrides them. @default {} */
  scoreOptions?: Omit<RerankKitRerankProviderOptions, "documentField">;
}

const RERANKING_SETTINGS_RULES = {
  scorer: { kind: "any", note: "a Scorer or a function loading one" },
  modelId: { kind: "string" },
  provider: { kind: "string" },
  documentField: { kind: "string" },
  scoreOptions: { kind: "object" },
} as const satisfies Record<keyof RerankKitRerankingModelSettings, OptionRule>;
const { documentField: _documentField, ...SCORE_DEFAULT_RULES } = RERANK_PROVIDER_RULES;

/** The parts both specification versions share. @internal */
export class RerankingCore {
  readonly provider: string;
  readonly modelId: string;
  readonly scorer: Lazy<Scorer>;
  readonly defaults: RerankKitRerankProviderOptions & { documentField: string };

  constructor(settings: RerankKitRerankingModelSettings, kind: string) {
    const scorer = settings?.scorer as unknown;
    const isScorer = typeof (scorer as Scorer | undefined)?.rerankWithUsage === "function";
    if (!isScorer && typeof scorer !== "function") {
      throw new InvalidInputError(`${kind} needs a scorer (loadWorkerScorer(), loadScorer() or a RemoteScorer)`, { field: "scorer" });
    }
    validateOptions(settings, RERANKING_SETTINGS_RULES, { where: kind });
    validateOptions(settings.scoreOptions, SCORE_DEFAULT_RULES, { where: `${kind} scoreOptions` });
    const modelId = settings.modelId ?? (isScorer ? (scorer as Scorer).model : undefined);
    if (typeof modelId !== "string") throw new InvalidInputError(`${kind} needs a modelId when given a loader`, { field: "modelId" });
    this.modelId = modelId;
    this.provider = settings.provider ?? "rerank-kit";
    this.scorer = new Lazy<Scorer>(settings.scorer);
    this.defaults = { ...settings.scoreOptions, documentField: settings.documentField ?? "text" };
  }

  async run(call: RerankingModelV3CallOptions): Promise<RerankOutcome> {
    throwIfAborted(call.abortSignal);
    const scorer = await this.scorer.get();
    throwIfAborted(call.abortSignal);
    return rerankCall(scorer, call, this.defaults);
  }
}

/**
 * An AI SDK `RerankingModelV3` over any rerank-kit {@link Scorer}, for `rerank()` from `ai` 6
 * and 7 (ai 7 accepts V3 models as they are). Rankings are sorted by score descending with
 * `index` into the documents passed in; object documents are ranked on `documentField`;
 * `abortSignal` cancels scoring; token usage is in `providerMetadata.rerankKit.usage`.
 *
 * @example
 * ```ts
 * import { rerank } from "ai";
 * import { loadWorkerScorer } from "rerank-kit";
 * import { RerankKitRerankingModel } from "rerank-kit/ai-sdk";
 *
 * const model = new RerankKitRerankingModel({ scorer: await loadWorkerScorer("Xenova/ms-marco-MiniLM-L-6-v2") });
 * const { ranking } = await rerank({ model, query: "rotate API keys", documents: ["...", "..."], topN: 3 });
 * ```
 */
export class RerankKitRerankingModel implements RerankingModelV3 {
  /** The AI SDK reranking specification this model implements. */
  readonly specificationVersion = "v3" as const;
  /** Provider name, for the AI SDK's logs and telemetry. */
  readonly provider: string;
  /** Model id, for the AI SDK's logs and telemetry. */
  readonly modelId: string;
  // Not a #private field: ai 7 calls V3 models through a Proxy, where `this` is the proxy.
  private readonly core: RerankingCore;

  /** @throws {InvalidInputError} without a scorer, or without a `modelId` for a loader. */
  constructor(settings: RerankKitRerankingModelSettings) {
    this.core = new RerankingCore(settings, "RerankKitRerankingModel");
    this.provider = this.core.provider;
    this.modelId = this.core.modelId;
  }

  /**
   * Ranks `options.documents` against `options.query`. Called by `rerank()`; not for direct use.
   * @throws {InvalidInputError} on a bad `topN`, a missing text field or bad provider options.
   * @throws {AbortError} when `options.abortSignal` fires.
   */
  async doRerank(options: RerankingModelV3CallOptions): Promise<RerankingModelV3Result> {
    const { ranking, warnings, providerMetadata, response } = await this.core.run(options);
    return { ranking, warnings, providerMetadata, response };
  }

  /** Closes the scorer if this model loaded it; a scorer passed in is left to its owner. */
  close(): Promise<void> {
    return this.core.scorer.close();
  }
}
