// Child process for the dist smoke test: imports one built adapter entry (ESM or CJS), optionally
// uses a local model through it, and prints what was loaded meanwhile is recorded by
// record-loads.mjs. argv: <entry file> [<model folder> <worker: "worker" | "in-process">]
import { createRequire } from "node:module";
import process from "node:process";

const [entry, modelDir, mode] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const m = entry.endsWith(".cjs") ? require(entry) : await import(entry);
if (modelDir) {
  const worker = mode === "worker";
  const query = "capital of france";
  const documents = ["paris is the capital of france", "berlin"];
  if (m.createRerankKit) {
    const kit = m.createRerankKit({ worker });
    const out = await kit.rerankingModel(modelDir).doRerank({ documents: { type: "text", values: documents }, query });
    if (out.ranking.length !== 2) throw new Error("bad ranking");
    await kit.close();
  } else if (m.RerankKitPostprocessor) {
    const pp = new m.RerankKitPostprocessor({ scorer: modelDir, worker });
    const node = (text) => ({ node: { getContent: () => text } });
    if ((await pp.postprocessNodes(documents.map(node), query)).length !== 2) throw new Error("bad nodes");
    await pp.close();
  } else if (m.RerankKitRelevanceScorer) {
    const scorer = new m.RerankKitRelevanceScorer({ scorer: modelDir, worker });
    const scores = await Promise.all(documents.map((d) => scorer.getRelevanceScore(query, d)));
    if (scores.length !== 2) throw new Error("bad scores");
    await scorer.close();
  }
}
