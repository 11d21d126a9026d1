// fastembed's side of `npm run bench -- fastembed` (bench/fastembed.ts, protocol in
// bench/child-engine.ts). Plain JavaScript beside this folder's node_modules, so it resolves
// fastembed and its own onnxruntime-node 1.21 rather than rerank-kit's.
//
//   node bench/engines/fastembed-child.mjs workload.json
// workload.json: {"dir": folder, "modelName": "onnx/model.onnx", "texts": [...],
//                 "maxLength": 512 | undefined, "batchSize": 256 | undefined}
/* global process, URL, performance */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { EmbeddingModel, FlagEmbedding } from "fastembed";

const spec = JSON.parse(readFileSync(process.argv.at(-1), "utf8"));
const version = JSON.parse(readFileSync(new URL("./node_modules/fastembed/package.json", import.meta.url), "utf8")).version;
// As users call it: only the model location is given; maxLength and batchSize stay at fastembed's
// defaults (512, every text padded to it; batches of 256) unless the workload sets them.
const model = await FlagEmbedding.init({
  model: EmbeddingModel.CUSTOM,
  modelAbsoluteDirPath: spec.dir,
  modelName: spec.modelName,
  ...(spec.maxLength ? { maxLength: spec.maxLength } : {}),
});
const reply = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
reply({ ready: true, version });
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "quit") {
    reply({ peakMb: process.resourceUsage().maxRSS / 1024 });
    process.exit(0);
  }
  // "warm": one small call before timing (session and tokenizer warm-up).
  const texts = line === "warm" ? spec.texts.slice(0, 16) : spec.texts;
  const t0 = performance.now();
  const out = [];
  // embed() is an async generator of batches; the vectors are number arrays.
  for await (const batch of model.embed(texts, spec.batchSize)) for (const v of batch) if (out.length < 8) out.push(Array.from(v));
  reply({ ms: performance.now() - t0, output: out });
}
