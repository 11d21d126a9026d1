// llama.cpp's side of `npm run bench -- llama` (bench/llama.ts, protocol in bench/child-engine.ts),
// through node-llama-cpp's ranking context, as a user of Qwen3-Reranker GGUFs calls it from
// JavaScript. Plain JavaScript beside this folder's node_modules (node-llama-cpp 3.21.1 and its
// prebuilt linux-x64 binaries).
//
//   node bench/engines/llama-child.mjs workload.json
// workload.json: {"gguf": file, "query": "...", "documents": [...], "threads": 2}
//
// Settings chosen so the scores can be compared with rerank-kit's fp32 graph: an F32 key/value
// cache and no flash attention (node-llama-cpp's defaults, an F16 cache with flash attention, move
// the logits by about 1e-3), and each prompt tokenized whole, the way the Hub tokenizer does
// (`rank(query, document)` tokenizes the template pieces, query and document apart, and the ids
// differ where they meet). The timed call includes that tokenization. Each prompt is evaluated
// alone in one sequence, as `rankAll` does.
/* global process, performance, URL */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const spec = JSON.parse(readFileSync(process.argv.at(-1), "utf8"));
const version = JSON.parse(readFileSync(new URL("./node_modules/node-llama-cpp/package.json", import.meta.url), "utf8")).version;
const t0 = performance.now();
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({
  modelPath: spec.gguf,
  gpuLayers: 0,
  defaultContextFlashAttention: false,
  experimentalDefaultContextKvCacheKeyType: "F32",
  experimentalDefaultContextKvCacheValueType: "F32",
});
const rerank = model.fileInfo.metadata?.tokenizer?.["chat_template.rerank"];
if (typeof rerank !== "string" || !rerank.includes("{query}") || !rerank.includes("{document}")) {
  throw new Error(`${spec.gguf} has no rerank template (tokenizer.chat_template.rerank): convert it from a folder named *qwen3-reranker*`);
}
const prompt = (document) => rerank.replace("{query}", spec.query).replace("{document}", document);
// The longest prompt decides the context (a larger one only costs memory: F32 cache, 28 layers).
const longest = Math.max(...spec.documents.map((d) => model.tokenize(prompt(d), true).length));
const contextSize = Math.ceil((longest + 8) / 256) * 256;
// A template of the two placeholders only: the whole prompt goes in as the "document" tokens.
const context = await model.createRankingContext({ contextSize, batchSize: contextSize, threads: spec.threads, template: "{{query}}{{document}}" });
const score = async (documents) => {
  const scores = [];
  const tokens = [];
  for (const d of documents) {
    const ids = model.tokenize(prompt(d), true);
    tokens.push(ids.length);
    scores.push(await context.rank([], ids));
  }
  return { scores, tokens };
};
const reply = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
reply({ ready: true, version, contextSize, loadMs: performance.now() - t0, loadPeakMb: process.resourceUsage().maxRSS / 1024 });
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "quit") {
    await context.dispose();
    await model.dispose();
    reply({ peakMb: process.resourceUsage().maxRSS / 1024 });
    process.exit(0);
  }
  // "warm": two documents before timing (first-run allocations).
  const documents = line === "warm" ? spec.documents.slice(0, 2) : spec.documents;
  const t0 = performance.now();
  // Qwen3 GGUFs answer softmax([yes, no])[0] = sigmoid(z_yes - z_no).
  const output = await score(documents);
  reply({ ms: performance.now() - t0, output });
}
