import { loadScorer, loadWorkerScorer } from "../../src/index.js";
import { modelDir } from "../local/helpers.js";
import { referenceFor } from "../local/reference-scores.js";
import { runScorerContract } from "./scorer.contract.js";

for (const name of ["cross-encoder", "bi-encoder-mean", "colbert-pylate"]) {
  runScorerContract(`local ${name}`, { newScorer: async () => loadScorer(await modelDir(name)), reference: referenceFor(name) });
}

// The same model behind a worker thread (what `rerank-kit serve` uses) keeps the contract.
runScorerContract("worker-thread cross-encoder", {
  newScorer: async () => loadWorkerScorer(await modelDir("cross-encoder")),
  reference: referenceFor("cross-encoder"),
});
