import { BiEncoderScorer, CrossEncoderScorer, LateInteractionScorer } from "../../../src/index.js";
import type { Embedder, Scorer } from "../../../src/index.js";
import { RemoteEmbedder, RemoteScorer } from "../../../src/remote/index.js";
import { createServer } from "../../../src/server/index.js";
import { ensureTestModels } from "../../fixtures/index.js";
import { FakeEmbedder, FakeScorer } from "./fake-scorer.js";
import { startStandInServer } from "./stand-in-server.js";

/** A scorer and an embedder to run the LangChain consumer suite against. */
export interface Backend {
  scorer: Scorer;
  embedder: Embedder;
  close(): Promise<void>;
}

async function local(scorerModel: "cross-encoder" | "colbert-pylate"): Promise<{ scorer: Scorer; embedder: BiEncoderScorer; close(): Promise<void> }> {
  const models = await ensureTestModels();
  const dir = models[scorerModel] as string;
  const scorer = scorerModel === "cross-encoder" ? await CrossEncoderScorer.fromPretrained(dir) : await LateInteractionScorer.fromPretrained(dir);
  const embedder = await BiEncoderScorer.fromPretrained(models["bi-encoder-mean"] as string);
  return { scorer, embedder, close: async () => void (await Promise.all([scorer.close(), embedder.close()])) };
}

/** The backends every consumer test runs on: name -> factory. */
export const backends: Record<string, () => Promise<Backend>> = {
  fake: async () => ({ scorer: new FakeScorer(), embedder: new FakeEmbedder(), close: async () => {} }),
  "local cross-encoder": () => local("cross-encoder"),
  "local ColBERT": () => local("colbert-pylate"),
  // RemoteScorer/RemoteEmbedder against rerank-kit's own server over the local tiny models.
  "remote (rerank-kit server)": async () => {
    const inner = await local("cross-encoder");
    const server = createServer({ scorer: inner.scorer, embedder: inner.embedder });
    const { url } = await server.listen({ host: "127.0.0.1", port: 0 });
    return {
      scorer: new RemoteScorer({ baseURL: url, maxRetries: 0 }),
      // The served models have no query prompt: say so, as a RemoteEmbedder cannot know it.
      embedder: new RemoteEmbedder({ baseURL: `${url}/v1`, maxRetries: 0, queryPrefix: "" }),
      close: async () => {
        await server.close();
        await inner.close();
      },
    };
  },
  // The same client against an independent minimal vLLM stand-in, using /rerank rather than /score.
  "remote (stand-in vLLM, /rerank)": async () => {
    const server = await startStandInServer(new FakeScorer(), new FakeEmbedder());
    return {
      scorer: new RemoteScorer({ baseURL: server.baseURL, endpoint: "rerank", maxRetries: 0 }),
      embedder: new RemoteEmbedder({ baseURL: `${server.baseURL}/v1`, dialect: "openai", encodingFormat: "float", maxRetries: 0, queryPrefix: "" }),
      close: () => server.close(),
    };
  },
};
