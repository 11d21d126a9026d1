import type { Embedder, Scorer } from "../../../src/index.js";
import { FakeEmbedder, FakeScorer } from "./fake-scorer.js";

/** A scorer and an embedder to run the LangChain consumer suite against. */
export interface Backend {
  scorer: Scorer;
  embedder: Embedder;
  close(): Promise<void>;
}

/** The backends every consumer test runs on: name -> factory. */
export const backends: Record<string, () => Promise<Backend>> = {
  fake: async () => ({ scorer: new FakeScorer(), embedder: new FakeEmbedder(), close: async () => {} }),
};
