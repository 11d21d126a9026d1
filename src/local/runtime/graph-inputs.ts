import type * as Ort from "onnxruntime-node";
import { InvalidOptionError } from "../../errors/invalid-option-error.js";
import { ModelLoadError } from "../../errors/model-load-error.js";

/**
 * How each input a graph declares is filled. Encoders take token ids, a mask and maybe segment
 * ids; decoders exported for generation (Optimum, onnx-community, transformers.js) also declare
 * `position_ids`, a `past_key_values.{i}.key/value` cache, and sometimes `num_logits_to_keep` /
 * `use_cache_branch`. rerank-kit scores in one pass, so the cache is fed empty, as
 * transformers.js does on the first generation step.
 */
export type GraphInput =
  | { name: string; kind: "input_ids" | "attention_mask" | "token_type_ids" | "position_ids"; dtype: "int64" | "int32" }
  | { name: string; kind: "past"; dtype: "float32" | "float16"; layer: number; heads: number; headSize: number }
  | { name: string; kind: "logits_to_keep"; dtype: "int64" | "int32"; rank: number }
  | { name: string; kind: "use_cache_branch"; rank: number }
  | { name: string; kind: "task_id"; dtype: "int64" | "int32"; rank: number };

/** The inputs of one graph, in declaration order, and what they say about the model. */
export interface GraphInputPlan {
  inputs: readonly GraphInput[];
  /** True when the graph takes a key/value cache or positions: a decoder exported for generation. */
  decoder: boolean;
  /** Number of layers with a `past_key_values` input (0 for encoders and plain decoder exports). */
  cacheLayers: number;
}

/** The part of `config.json` that sizes the key/value cache. */
export interface CacheConfig {
  num_key_value_heads?: unknown;
  num_attention_heads?: unknown;
  head_dim?: unknown;
  hidden_size?: unknown;
  text_config?: unknown;
}

const INTEGER_INPUTS = ["input_ids", "attention_mask", "token_type_ids", "position_ids"] as const;
const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

/**
 * Decides how to fill every input the graph declares, from ONNX Runtime's input metadata and the
 * model's `config.json` (cache head count and head size when the graph leaves them symbolic).
 *
 * @param source the model file, named in errors
 * @throws {ModelLoadError} naming the input when the graph declares one rerank-kit cannot fill
 *   (an unknown name, an unsupported dtype, or a cache whose head count or size is unknown).
 */
export function planGraphInputs(
  metadata: readonly Ort.InferenceSession.ValueMetadata[],
  config: CacheConfig,
  source: string,
): GraphInputPlan {
  const inputs = metadata.map((m) => planInput(m, config, source));
  const cacheLayers = new Set(inputs.flatMap((i) => (i.kind === "past" ? [i.layer] : []))).size;
  if (!inputs.some((i) => i.kind === "input_ids")) {
    throw new ModelLoadError(`${source} has no input_ids input (inputs: ${metadata.map((m) => m.name).join(", ")})`, { path: source });
  }
  return { inputs, cacheLayers, decoder: cacheLayers > 0 || inputs.some((i) => i.kind === "position_ids") };
}

function planInput(meta: Ort.InferenceSession.ValueMetadata, config: CacheConfig, source: string): GraphInput {
  const name = meta.name;
  const cannot = (why: string) =>
    new ModelLoadError(`${source}: cannot fill graph input "${name}": ${why}`, { path: source });
  if (!meta.isTensor) throw cannot("it is not a tensor");
  const shape = meta.shape;
  const kind = (INTEGER_INPUTS as readonly string[]).includes(name) ? (name as (typeof INTEGER_INPUTS)[number]) : undefined;
  if (kind) {
    if (meta.type !== "int64" && meta.type !== "int32") throw cannot(`expected int64 or int32, the graph declares ${meta.type}`);
    return { name, kind, dtype: meta.type };
  }
  const past = PAST.exec(name);
  if (past) {
    if (meta.type !== "float32" && meta.type !== "float16") throw cannot(`expected float32 or float16, the graph declares ${meta.type}`);
    if (shape.length !== 4) throw cannot(`expected [batch, kv_heads, past_length, head_size], the graph declares [${shape.join(", ")}]`);
    const heads = typeof shape[1] === "number" ? shape[1] : cacheHeads(config);
    const headSize = typeof shape[3] === "number" ? shape[3] : cacheHeadSize(config);
    if (heads === undefined || headSize === undefined) {
      throw cannot("its head count or head size is symbolic and config.json has no num_key_value_heads / head_dim");
    }
    return { name, kind: "past", dtype: meta.type, layer: Number(past[1]), heads, headSize };
  }
  if (name === "num_logits_to_keep" || name === "logits_to_keep") {
    if (meta.type !== "int64" && meta.type !== "int32") throw cannot(`expected an integer, the graph declares ${meta.type}`);
    return { name, kind: "logits_to_keep", dtype: meta.type, rank: shape.length };
  }
  if (name === "task_id") {
    // Task-conditioned exports (jina-embeddings-v3): the index of the task in config.json lora_adaptations.
    if (meta.type !== "int64" && meta.type !== "int32") throw cannot(`expected an integer, the graph declares ${meta.type}`);
    return { name, kind: "task_id", dtype: meta.type, rank: shape.length };
  }
  if (name === "use_cache_branch") {
    if (meta.type !== "bool") throw cannot(`expected bool, the graph declares ${meta.type}`);
    return { name, kind: "use_cache_branch", rank: shape.length };
  }
  throw cannot(
    "rerank-kit fills input_ids, attention_mask, token_type_ids, position_ids, past_key_values.{i}.key/value, " +
      "num_logits_to_keep, use_cache_branch and task_id; export the model without this input",
  );
}

function positive(v: unknown): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v > 0 ? v : undefined;
}

function textConfig(config: CacheConfig): CacheConfig {
  // Multimodal configs (Gemma 3, Qwen-VL) nest the language model's sizes.
  return config.text_config && typeof config.text_config === "object" ? { ...(config.text_config as CacheConfig), ...config } : config;
}

function cacheHeads(config: CacheConfig): number | undefined {
  const c = textConfig(config);
  return positive(c.num_key_value_heads) ?? positive(c.num_attention_heads);
}

function cacheHeadSize(config: CacheConfig): number | undefined {
  const c = textConfig(config);
  const heads = positive(c.num_attention_heads);
  const hidden = positive(c.hidden_size);
  return positive(c.head_dim) ?? (heads && hidden && hidden % heads === 0 ? hidden / heads : undefined);
}

/** One batch, `[batch, seq]` row-major, as the scorers build it. */
export interface BatchTensors {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds?: BigInt64Array | undefined;
  dims: [number, number];
}

/**
 * The key/value cache of a shared prefix (one sequence), taken from a decoder's `present.*`
 * outputs: fed as `past_key_values.*` to every row of later batches, so the prefix is computed
 * once (vLLM's prefix caching, for one prompt prefix).
 */
export interface PrefixCache {
  /** Prefix length in tokens. */
  length: number;
  /** Per `past_key_values.*` input name: the `[1, heads, length, headSize]` tensor data. */
  tensors: Record<string, { type: "float32" | "float16"; data: Float32Array | Uint16Array; dims: readonly number[] }>;
}

/** Extra knobs of one run. */
export interface FillOptions {
  /**
   * Positions of logits the graph computes (`num_logits_to_keep`), counted from the end. `1` keeps
   * only the last position, which is all a left-padded scoring pass reads. @default 0 (all)
   */
  logitsToKeep?: number | undefined;
  /**
   * A cached prefix every row continues: its cache is fed as `past_key_values`, the attention
   * mask gets `length` leading ones, and positions continue after it.
   */
  prefix?: PrefixCache | undefined;
  /** The `task_id` of a task-conditioned graph (the task's index in `lora_adaptations`). */
  taskId?: number | undefined;
}

/**
 * Builds every feed the plan declares for one batch: token ids, mask and segment ids as given;
 * `position_ids` from the mask as transformers does (cumulative sum minus one, padding set to 1,
 * so left padding starts each row at 0); an empty cache of the graph's dtype and sizes;
 * `num_logits_to_keep`, and `use_cache_branch` true only when a cached prefix is fed.
 */
export function fillGraphInputs(
  ort: typeof Ort,
  plan: GraphInputPlan,
  batch: BatchTensors,
  options: FillOptions = {},
): Record<string, Ort.Tensor> {
  const [n, seq] = batch.dims;
  const feeds: Record<string, Ort.Tensor> = {};
  let positions: BigInt64Array | undefined;
  const prefix = options.prefix;
  const pastLength = prefix?.length ?? 0;
  const mask = pastLength > 0 ? prependOnes(batch.attentionMask, n, seq, pastLength) : batch.attentionMask;
  for (const input of plan.inputs) {
    switch (input.kind) {
      case "input_ids":
      case "attention_mask":
      case "token_type_ids":
      case "position_ids": {
        let data: BigInt64Array;
        if (input.kind === "input_ids") data = batch.inputIds;
        else if (input.kind === "attention_mask") data = mask;
        else if (input.kind === "token_type_ids") data = batch.tokenTypeIds ?? new BigInt64Array(n * seq);
        else data = positions ??= lastColumns(positionIds(mask, n, pastLength + seq), n, pastLength + seq, seq);
        feeds[input.name] = integerTensor(ort, input.dtype, data, [n, input.kind === "attention_mask" ? pastLength + seq : seq]);
        break;
      }
      case "past": {
        const cached = prefix?.tensors[input.name];
        if (prefix) {
          if (!cached) throw new Error(`the prefix cache has no ${input.name}`);
          feeds[input.name] = new ort.Tensor(cached.type, repeatRows(cached.data, n), [n, ...cached.dims.slice(1)]);
          break;
        }
        const dims = [n, input.heads, 0, input.headSize];
        feeds[input.name] =
          input.dtype === "float16" ? new ort.Tensor("float16", new Uint16Array(0), dims) : new ort.Tensor("float32", new Float32Array(0), dims);
        break;
      }
      case "task_id": {
        if (options.taskId === undefined) {
          throw new InvalidOptionError(`the graph takes a task_id input: load the model with the \`task\` option (bi-encoders)`, { option: "task", allowed: "a task of config.json lora_adaptations" });
        }
        // A scalar (jina-embeddings-v3) or one id per row.
        const ids = input.rank === 0 ? BigInt64Array.of(BigInt(options.taskId)) : new BigInt64Array(n).fill(BigInt(options.taskId));
        feeds[input.name] = integerTensor(ort, input.dtype, ids, input.rank === 0 ? [] : [n]);
        break;
      }
      case "logits_to_keep": {
        const keep = options.logitsToKeep ?? 0;
        feeds[input.name] = integerTensor(ort, input.dtype, BigInt64Array.of(BigInt(keep)), input.rank === 0 ? [] : [1]);
        break;
      }
      case "use_cache_branch":
        // A merged decoder's no-cache branch ignores the past: a cached prefix needs the other one.
        feeds[input.name] = new ort.Tensor("bool", Uint8Array.of(prefix ? 1 : 0), input.rank === 0 ? [] : [1]);
        break;
    }
  }
  return feeds;
}

function prependOnes(mask: BigInt64Array, n: number, seq: number, count: number): BigInt64Array {
  const out = new BigInt64Array(n * (count + seq));
  for (let r = 0; r < n; r++) {
    out.fill(1n, r * (count + seq), r * (count + seq) + count);
    out.set(mask.subarray(r * seq, (r + 1) * seq), r * (count + seq) + count);
  }
  return out;
}

function lastColumns(data: BigInt64Array, n: number, width: number, keep: number): BigInt64Array {
  if (width === keep) return data;
  const out = new BigInt64Array(n * keep);
  for (let r = 0; r < n; r++) out.set(data.subarray(r * width + width - keep, (r + 1) * width), r * keep);
  return out;
}

function repeatRows<T extends Float32Array | Uint16Array>(data: T, n: number): T {
  if (n === 1) return data;
  const out = new (data.constructor as new (length: number) => T)(data.length * n);
  for (let r = 0; r < n; r++) out.set(data, r * data.length);
  return out;
}

/**
 * Position ids for a `[batch, seq]` mask, as transformers computes them for generation:
 * `cumsum(mask) - 1`, with padded positions set to 1. With left padding each row's first real
 * token gets position 0.
 */
export function positionIds(mask: BigInt64Array, n: number, seq: number): BigInt64Array {
  const out = new BigInt64Array(n * seq);
  for (let r = 0; r < n; r++) {
    let count = 0n;
    for (let t = 0; t < seq; t++) {
      const i = r * seq + t;
      if (mask[i] !== 0n) {
        out[i] = count;
        count++;
      } else out[i] = 1n;
    }
  }
  return out;
}

function integerTensor(ort: typeof Ort, dtype: "int64" | "int32", data: BigInt64Array, dims: number[]): Ort.Tensor {
  if (dtype === "int64") return new ort.Tensor("int64", data, dims);
  return new ort.Tensor("int32", Int32Array.from(data, (v) => Number(v)), dims);
}
