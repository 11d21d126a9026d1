/**
 * `npm run bench`: performance claims, printed as ratios against baselines measured in the same
 * run (these machines are noisy; compare ratios, not absolute times). Generates the MiniLM-L6
 * shaped models it needs into bench/.models on first use.
 *
 * `npm run bench -- local|encoders|remote|server` runs one part.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeModel, type ModelSpec } from "../test/fixtures/index.js";
import { benchEncoders } from "./encoders.js";
import { benchLocal } from "./local.js";
import { benchRemote } from "./remote.js";
import { benchServer } from "./server.js";

const root = join(dirname(fileURLToPath(import.meta.url)), ".models");

async function ensure(name: string, spec: ModelSpec): Promise<string> {
  const dir = join(root, name);
  if (!existsSync(join(dir, "onnx", spec.quantized ? "model_quantized.onnx" : "model.onnx"))) {
    console.log(`generating ${name} (seeded weights) ...`);
    await writeModel(spec, dir);
  }
  return dir;
}

const only = process.argv[2];
console.log(`rerank-kit bench (${new Date().toISOString()}); ratios compare runs made in this process`);
const ce = await ensure("minilm-cross-encoder", { family: "cross-encoder", size: "minilm-l6", quantized: true });
if (!only || only === "local") await benchLocal(ce);
if (!only || only === "encoders") {
  const bi = await ensure("minilm-bi-encoder", { family: "bi-encoder", size: "minilm-l6", pooling: "mean", normalize: true });
  const colbert = await ensure("minilm-colbert", { family: "colbert", size: "minilm-l6", colbertDim: 128, colbertLayout: "stanford", documentLength: 300 });
  await benchEncoders(bi, colbert);
}
if (!only || only === "remote") await benchRemote();
if (!only || only === "server") {
  // A TinyBERT-L2-shaped reranker (2 layers, hidden 128, as ms-marco-TinyBERT-L-2-v2), where
  // per-call overhead matters, then the MiniLM-L6 shape, where compute dominates.
  const small = await ensure("tinybert-cross-encoder", { family: "cross-encoder", size: "small" });
  await benchServer({ modelDir: small, label: "TinyBERT-L2 shape, fp32" });
  await benchServer({ modelDir: ce, label: "MiniLM-L6 shape" });
}
