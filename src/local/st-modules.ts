import { existsSync } from "node:fs";
import { join } from "node:path";
import { ModelLoadError } from "../errors/model-load-error.js";
import type { PoolingMode } from "../scoring/pooling.js";
import { readJson, type ModelFiles } from "./files/model-files.js";
import { readSafetensor } from "./files/safetensors.js";
import { classifyModule, SUPPORTED_MODULES } from "./st-module-types.js";
import { parsePoolingConfig } from "./st-pooling-config.js";

/** A linear layer (`[out, in]` weight) with an optional bias and activation, from a Dense module. */
export interface DenseLayer {
  weight: Float32Array;
  bias?: Float32Array | undefined;
  inFeatures: number;
  outFeatures: number;
  activation: "identity" | "tanh";
  /** `module_input_name` (sentence-transformers >= 5.4): `sentence_embedding` unless it says otherwise. */
  input: string;
}

/** The sentence-transformers pipeline after the Transformer module. */
export interface StPipeline {
  /** The first (in practice the only) pooling mode. */
  pooling: PoolingMode;
  /** All pooling modes, concatenated in this order. */
  poolingModes: PoolingMode[];
  /** False when the Pooling module leaves prompt tokens out (`include_prompt: false`). */
  includePrompt: boolean;
  dense: DenseLayer[];
  normalize: boolean;
}

/**
 * Reads `modules.json` and the module folders (Pooling, Dense, Normalize) into a pipeline, for the
 * module paths of every sentence-transformers version (see {@link classifyModule}).
 * Without `modules.json`, falls back to mean pooling without normalization.
 * @throws {ModelLoadError} naming `modules.json` and the type for modules rerank-kit cannot run,
 *   and naming the Pooling config for an unknown pooling mode.
 */
export async function readStPipeline(files: ModelFiles): Promise<StPipeline> {
  const pipeline: StPipeline = { pooling: "mean", poolingModes: ["mean"], includePrompt: true, dense: [], normalize: false };
  const stDir = files.stDir ?? files.dir;
  const modulesPath = join(stDir, "modules.json");
  for (const [i, mod] of (files.modules ?? []).entries()) {
    const kind = classifyModule(mod.type);
    // A custom Transformer at the root (jina-embeddings-v3's custom_st.Transformer) only runs the model, which the ONNX graph is.
    const customTransformer = kind === undefined && mod.path === "" && mod.type.endsWith(".Transformer");
    if (kind === "transformer" || kind === "dropout" || customTransformer) continue;
    if (kind === "pooling") {
      const cfg = (await readJson(join(stDir, mod.path), "config.json", true)) as Record<string, unknown>;
      const pooling = parsePoolingConfig(cfg, join(stDir, mod.path, "config.json"));
      pipeline.poolingModes = pooling.modes;
      pipeline.pooling = pooling.modes[0] as PoolingMode;
      pipeline.includePrompt = pooling.includePrompt;
    } else if (kind === "dense") {
      const layer = await readDense(join(stDir, mod.path));
      if (layer.input === "token_embeddings") {
        const path = join(stDir, mod.path, "config.json");
        throw new ModelLoadError(`${path}: a Dense module on token_embeddings (before pooling) is not supported in a bi-encoder`, { path });
      }
      pipeline.dense.push(layer);
    } else if (kind === "normalize") {
      pipeline.normalize = true;
    } else {
      throw new ModelLoadError(
        `${modulesPath}: module ${mod.idx ?? i} has type ${JSON.stringify(mod.type)}, which a bi-encoder cannot run; ` +
          `supported: ${SUPPORTED_MODULES}`,
        { path: modulesPath },
      );
    }
  }
  return pipeline;
}

/**
 * Reads a Dense module folder (`config.json` + `model.safetensors`; sentence-transformers keys
 * `linear.weight`/`linear.bias`).
 * @throws {ModelLoadError} when the weights are missing or the activation is unknown.
 */
export async function readDense(dir: string): Promise<DenseLayer> {
  const cfg = (await readJson(dir, "config.json", true)) as Record<string, unknown>;
  const file = join(dir, "model.safetensors");
  if (!existsSync(file)) throw new ModelLoadError(`Missing Dense weights: ${file}`, { path: file });
  const weight = await readSafetensor(file, ["linear.weight", "weight"]);
  const bias = cfg["bias"] === false ? undefined : await readSafetensor(file, ["linear.bias", "bias"]).catch(() => undefined);
  const act = String(cfg["activation_function"] ?? "torch.nn.modules.linear.Identity");
  const activation = act.endsWith("Identity") ? "identity" : act.endsWith("Tanh") ? "tanh" : undefined;
  if (!activation) throw new ModelLoadError(`${dir}/config.json: unsupported Dense activation ${act}`, { path: dir });
  return {
    weight: weight.data,
    bias: bias?.data,
    outFeatures: weight.shape[0] as number,
    inFeatures: weight.shape[1] as number,
    activation,
    input: typeof cfg["module_input_name"] === "string" ? cfg["module_input_name"] : "sentence_embedding",
  };
}

/** Applies a dense layer to one vector. */
export function applyDense(layer: DenseLayer, input: Float32Array): Float32Array {
  const out = new Float32Array(layer.outFeatures);
  for (let o = 0; o < layer.outFeatures; o++) {
    let s = layer.bias ? (layer.bias[o] as number) : 0;
    const row = o * layer.inFeatures;
    for (let i = 0; i < layer.inFeatures; i++) s += (layer.weight[row + i] as number) * (input[i] as number);
    out[o] = layer.activation === "tanh" ? Math.tanh(s) : s;
  }
  return out;
}
