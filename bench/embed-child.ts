/**
 * rerank-kit's side of the engine comparisons (protocol in bench/child-engine.ts): loads a
 * bi-encoder with `loadScorer` and embeds the workload's texts once per `run`.
 *
 *     node --import tsx bench/embed-child.ts workload.json
 * workload.json: {"dir": folder, "texts": [...], "dtype": "fp32" | "q8", "threads": 2}
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { loadScorer } from "../src/index.js";
import { peakRssMb } from "./measure.js";

const spec = JSON.parse(readFileSync(process.argv.at(-1)!, "utf8")) as { dir: string; texts: string[]; dtype?: "fp32" | "q8"; threads?: number };
const scorer = await loadScorer(spec.dir, { dtype: spec.dtype ?? "fp32", threads: spec.threads });
if (!("embed" in scorer)) throw new Error(`${spec.dir} is not an embedding model`);
const reply = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
reply({ ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "quit") {
    await scorer.close();
    reply({ peakMb: peakRssMb() });
    process.exit(0);
  }
  const t0 = performance.now();
  const vectors = await scorer.embed(line === "warm" ? spec.texts.slice(0, 16) : spec.texts);
  reply({ ms: performance.now() - t0, output: vectors.slice(0, 8).map((v) => Array.from(v)) });
}
