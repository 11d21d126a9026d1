import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { readJsonFileSync } from "../files/bounded-read.js";
import type { SpladeActivation, SpladePoolingStrategy } from "../../scoring/sparse.js";
import { readSafetensor } from "../files/safetensors.js";

/** A sentence-transformers SparseEncoder, as its files describe it. */
export interface SpladeLayout {
  kind: "splade";
  /** Folder of the MaskedLM transformer (its config, tokenizer and `onnx/`). */
  transformerDir: string;
  /** `SpladePooling` settings. */
  activation: SpladeActivation;
  pooling: SpladePoolingStrategy;
  /**
   * Inference-free SPLADE: the query route's `SparseStaticEmbedding` weights (IDF) by token id,
   * looked up instead of running the model on queries. Undefined for plain SPLADE.
   */
  queryWeights?: Float32Array | undefined;
  /** The query route's tokenizer folder (its `model_max_length` caps query tokens). */
  queryDir?: string | undefined;
}

type Module = { path: string; type: string };
const readJson = (path: string) => readJsonFileSync(path, basename(path)) as Record<string, unknown>;
const typeName = (type: string) => type.slice(type.lastIndexOf(".") + 1);

/**
 * Reads a SparseEncoder layout from a folder: `modules.json` with a MaskedLM transformer
 * (`Transformer` with `transformer_task: "fill-mask"`, or 5.x's `MLMTransformer`) and
 * `SpladePooling`; or a `Router` (`router_config.json`) whose query route is a
 * `SparseStaticEmbedding` and whose document route is that pair. Undefined for other folders.
 * @throws {ModelLoadError} for a SparseEncoder layout rerank-kit cannot run (another module, a
 *   route without SpladePooling).
 */
export async function readSpladeLayout(dir: string): Promise<SpladeLayout | undefined> {
  const modulesPath = join(dir, "modules.json");
  if (!existsSync(modulesPath)) return undefined;
  let modules: Module[];
  try {
    modules = readJson(modulesPath) as unknown as Module[];
  } catch {
    // Not readable as JSON: the family loaders name the file when they read it.
    return undefined;
  }
  // A malformed list is not a SparseEncoder layout; the family loaders name what is wrong with it.
  const wellFormed = (m: unknown): m is Module =>
    m !== null && typeof m === "object" && typeof (m as Module).type === "string" && typeof (m as Module).path === "string";
  if (!Array.isArray(modules) || !modules.every(wellFormed)) return undefined;
  if (modules.length === 1 && typeName(String(modules[0]?.type)) === "Router") return readRouter(dir, join(dir, modules[0]?.path ?? ""));
  if (!modules.some((m) => typeName(m.type) === "SpladePooling")) return undefined;
  return { kind: "splade", ...readSpladeChain(dir, modules) };
}

function readSpladeChain(dir: string, modules: Module[]): { transformerDir: string; activation: SpladeActivation; pooling: SpladePoolingStrategy } {
  const [transformer, pooling, ...rest] = modules;
  const names = modules.map((m) => typeName(m.type));
  if (!transformer || !pooling || rest.length > 0 || !["Transformer", "MLMTransformer"].includes(names[0] as string) || names[1] !== "SpladePooling") {
    throw new ModelLoadError(`${dir}: unsupported SparseEncoder modules ${names.join(" -> ")} (expected an MLM Transformer then SpladePooling)`, { path: dir });
  }
  const cfg = readJson(join(dir, pooling.path, "config.json"));
  const activation = String(cfg["activation_function"] ?? "relu");
  const strategy = String(cfg["pooling_strategy"] ?? "max");
  if (activation !== "relu" && activation !== "log1p_relu") {
    throw new ModelLoadError(`${dir}: SpladePooling activation_function ${activation} is not relu or log1p_relu`, { path: dir });
  }
  if (strategy !== "max" && strategy !== "sum") throw new ModelLoadError(`${dir}: SpladePooling pooling_strategy ${strategy} is not max or sum`, { path: dir });
  return { transformerDir: join(dir, transformer.path), activation, pooling: strategy };
}

async function readRouter(dir: string, routerDir: string): Promise<SpladeLayout | undefined> {
  const cfgPath = join(routerDir, "router_config.json");
  if (!existsSync(cfgPath)) throw new ModelLoadError(`${dir}: a Router without router_config.json`, { path: cfgPath });
  const cfg = readJson(cfgPath) as { types?: Record<string, string>; structure?: Record<string, string[]> };
  const types = cfg.types ?? {};
  const route = (name: string): Module[] => (cfg.structure?.[name] ?? []).map((key) => ({ path: key, type: String(types[key]) }));
  const query = route("query");
  const document = route("document");
  if (!document.some((m) => typeName(m.type) === "SpladePooling")) return undefined;
  const chain = readSpladeChain(routerDir, document);
  if (query.length !== 1 || typeName(String(query[0]?.type)) !== "SparseStaticEmbedding") {
    throw new ModelLoadError(`${dir}: the Router's query route must be one SparseStaticEmbedding, got ${query.map((m) => typeName(m.type)).join(" -> ") || "nothing"}`, { path: cfgPath });
  }
  const queryDir = join(routerDir, (query[0] as Module).path);
  const weights = await readSafetensor(join(queryDir, "model.safetensors"), ["weight"]);
  return { kind: "splade", ...chain, queryWeights: weights.data, queryDir };
}
