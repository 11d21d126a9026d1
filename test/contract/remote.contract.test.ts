import { loadScorer } from "../../src/index.js";
import { RemoteScorer } from "../../src/remote/index.js";
import { createServer, type RerankServer } from "../../src/server/index.js";
import { modelDir } from "../local/helpers.js";
import { referenceFor } from "../local/reference-scores.js";
import { runScorerContract } from "./scorer.contract.js";

// The remote client against rerank-kit's own server, on both vLLM endpoints: the same contract
// holds over HTTP.
for (const endpoint of ["score", "rerank"] as const) {
  let server: RerankServer | undefined;
  runScorerContract(`remote /${endpoint} over a local cross-encoder`, {
    reference: referenceFor("cross-encoder"),
    newScorer: async () => {
      server = createServer({ scorer: await loadScorer(await modelDir("cross-encoder")), closeScorer: true });
      const { url } = await server.listen({ host: "127.0.0.1", port: 0 });
      return new RemoteScorer({ baseURL: url, endpoint, maxRetries: 0 });
    },
    cleanup: async () => server?.close(),
  });
}
