import { describe, expectTypeOf, it } from "vitest";
import type { Embedder, RankedResult, Scorer, ScoreOptions } from "../../src/types.js";
import {
  APIError,
  RemoteEmbedder,
  RemoteScorer,
  type HealthStatus,
  type ModelInfo,
  type RemoteRerankOptions,
  type RemoteScoreOptions,
  type RemoteScorerOptions,
  type ScoreDialect,
} from "../../src/remote/index.js";
import { RerankKitError } from "../../src/errors/index.js";

describe("public types", () => {
  it("RemoteScorer is a Scorer and RemoteEmbedder an Embedder", () => {
    expectTypeOf<RemoteScorer>().toExtend<Scorer>();
    expectTypeOf<RemoteEmbedder>().toExtend<Embedder>();
    expectTypeOf<RemoteScorer["rerank"]>().returns.resolves.toEqualTypeOf<RankedResult[]>();
    expectTypeOf<RemoteScorer["listModels"]>().returns.resolves.toEqualTypeOf<ModelInfo[]>();
    expectTypeOf<RemoteScorer["health"]>().returns.resolves.toEqualTypeOf<HealthStatus[]>();
  });

  it("remote options extend the shared ones", () => {
    expectTypeOf<RemoteScoreOptions>().toExtend<ScoreOptions>();
    expectTypeOf<RemoteRerankOptions["topN"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<RemoteScorerOptions["baseURL"]>().toEqualTypeOf<string | string[]>();
    expectTypeOf<ScoreDialect>().toEqualTypeOf<"vllm" | "cohere" | "cohere-v2" | "jina" | "tei" | "infinity">();
  });

  it("APIError is a RerankKitError with a typed status", () => {
    expectTypeOf<APIError>().toExtend<RerankKitError>();
    expectTypeOf<APIError["status"]>().toEqualTypeOf<number>();
  });

  it("rejects unknown dialects and endpoints at compile time", () => {
    // @ts-expect-error not a dialect
    expectTypeOf<RemoteScorerOptions>().toExtend<{ dialect?: "nope" }>();
    expectTypeOf<RemoteScorerOptions["endpoint"]>().toEqualTypeOf<"score" | "rerank" | undefined>();
  });
});
