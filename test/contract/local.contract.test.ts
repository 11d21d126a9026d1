import { loadScorer } from "../../src/index.js";
import { modelDir } from "../local/helpers.js";
import { runScorerContract } from "./scorer.contract.js";

for (const name of ["cross-encoder", "bi-encoder-mean", "colbert-pylate"]) {
  runScorerContract(`local ${name}`, { newScorer: async () => loadScorer(await modelDir(name)) });
}
