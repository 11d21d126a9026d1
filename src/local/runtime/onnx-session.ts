import { availableParallelism } from "node:os";
import type * as Ort from "onnxruntime-node";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { halfToFloat } from "../files/safetensors.js";
import { onnxRuntimeLoadError } from "./onnx-runtime-load-error.js";
import { attentionKind, type AttentionKind } from "./fused-attention.js";
import { fillGraphInputs, planGraphInputs, type CacheConfig, type FillOptions, type GraphInputPlan, type PrefixCache } from "./graph-inputs.js";
import { wantsUint8Weights, type Int8Weights } from "./int8-weights-u8.js";
import { trackNativeCall } from "./native-runs.js";
import { RunGate } from "./run-gate.js";

type OrtModule = typeof Ort;
let ortPromise: Promise<OrtModule> | undefined;

/** Loads onnxruntime-node on first use, so importing rerank-kit never loads the native addon. */
export function loadOnnxRuntime(): Promise<OrtModule> {
  ortPromise ??= import("onnxruntime-node").then(
    (m) => ((m as unknown as { default?: OrtModule }).default ?? m) as OrtModule,
    (cause: unknown) => {
      ortPromise = undefined;
      throw onnxRuntimeLoadError(cause);
    },
  );
  return ortPromise;
}

/** Session options rerank-kit passes through to ONNX Runtime. */
export interface SessionOptions {
  threads?: number | undefined;
  device?: string | undefined;
  /**
   * The model's `config.json`: sizes the empty key/value cache of decoder graphs whose cache
   * inputs leave the head count or head size symbolic.
   */
  config?: CacheConfig | undefined;
  /** Which int8 kernel quantized MatMuls run (see int8-weights-u8.ts). @default "auto" */
  int8Weights?: Int8Weights | undefined;
}

/** Integer feeds for one batch: `[batch, seq]` row-major. */
export type Feeds = Record<string, { data: BigInt64Array; dims: [number, number] }>;

/** One output tensor as float32. */
export interface FloatOutput {
  data: Float32Array;
  dims: number[];
}

/** An ONNX Runtime session with its declared inputs and outputs. */
export class OnnxSession {
  private readonly gate = new RunGate();

  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    /** Input names the graph declares, e.g. `input_ids`, `attention_mask`, `token_type_ids`. */
    readonly inputNames: readonly string[],
    /** Output names the graph declares. */
    readonly outputNames: readonly string[],
    /** How every declared input is filled (decoder positions and empty cache included). */
    readonly inputs: GraphInputPlan,
    /**
     * `group-query` when the graph's attention is ONNX Runtime's fused GroupQueryAttention, whose
     * batches pad on the right and continue a cached prefix one row at a time (see fused-attention.ts).
     */
    readonly attention: AttentionKind = "unfused",
  ) {}

  /**
   * Opens an ONNX file with all graph optimizations on and `threads` intra-op threads (the only
   * source of parallelism: concurrent `run()` calls do not overlap in onnxruntime-node).
   * External data (`model.onnx_data`) is found next to the file, as ONNX Runtime resolves it.
   * @throws {ModelLoadError} naming the file when ONNX Runtime rejects it, or naming the input
   *   when the graph declares one rerank-kit cannot fill.
   */
  static async create(path: string, options: SessionOptions = {}): Promise<OnnxSession> {
    return OnnxSession.open(path, path, options);
  }

  /**
   * Opens a model held in memory (e.g. a rewritten graph). Weights it keeps in external data
   * files are read from `externalDataDir` (ONNX Runtime's
   * `session.model_external_initializers_file_folder_path`), so nothing is written to disk and a
   * read-only model folder works; check the references first (see files/external-data.ts).
   * @param source named in errors
   * @throws {ModelLoadError} as {@link OnnxSession.create}.
   */
  static async fromBytes(
    model: Uint8Array,
    source: string,
    options: SessionOptions & { externalDataDir?: string | undefined } = {},
  ): Promise<OnnxSession> {
    return OnnxSession.open(model, source, options, options.externalDataDir);
  }

  private static async open(
    model: string | Uint8Array,
    source: string,
    options: SessionOptions,
    externalDataDir?: string,
  ): Promise<OnnxSession> {
    const ort = await loadOnnxRuntime();
    let session: Ort.InferenceSession;
    const sessionConfig: Record<string, string> = {
      ...(externalDataDir !== undefined && { model_external_initializers_file_folder_path: externalDataDir }),
      // Where the CPU lacks VNNI (int8-weights-u8.ts), ONNX Runtime turns int8 MatMul weights into
      // uint8 itself as it builds the session: the same uint8 x uint8 kernel the JavaScript rewrite
      // selects, for graphs whose weights it never held (an LLM reranker's stay on disk).
      ...(wantsUint8Weights(options.int8Weights) && { x64quantprecision: "1" }),
    };
    const sessionOptions: Ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.threads ?? availableParallelism(),
      graphOptimizationLevel: "all",
      executionProviders: [options.device ?? "cpu"],
      ...(Object.keys(sessionConfig).length > 0 && { extra: { session: sessionConfig } }),
    };
    try {
      session =
        typeof model === "string"
          ? await trackNativeCall(() => ort.InferenceSession.create(model, sessionOptions))
          : await trackNativeCall(() => ort.InferenceSession.create(model, sessionOptions));
    } catch (cause) {
      throw new ModelLoadError(`ONNX Runtime cannot load ${source}: ${(cause as Error).message}`, { path: source, cause });
    }
    let plan: GraphInputPlan;
    let attention: AttentionKind = "unfused";
    try {
      plan = planGraphInputs(session.inputMetadata, options.config ?? {}, source);
      // Only decoders exported for generation take a cache; encoders are never fused this way.
      if (plan.cacheLayers > 0) attention = await attentionKind(model);
    } catch (error) {
      await session.release();
      throw error;
    }
    return new OnnxSession(ort, session, session.inputNames, session.outputNames, plan, attention);
  }

  /** True for decoder graphs exported for generation (positions or a key/value cache as inputs). */
  get decoder(): boolean {
    return this.inputs.decoder;
  }

  /** True when the graph declares the input (e.g. `token_type_ids`). */
  hasInput(name: string): boolean {
    return this.inputNames.includes(name);
  }

  /**
   * The shape the graph declares for an output (symbolic dimensions as names), or undefined when
   * it declares none: what a family checks at load against what its head reads.
   */
  outputShape(name: string): readonly (number | string)[] | undefined {
    const meta = this.session.outputMetadata.find((m) => m.name === name);
    return meta?.isTensor && meta.shape.length > 0 ? meta.shape : undefined;
  }

  /**
   * Runs the graph and returns the requested output as float32 (fp16 outputs are widened). Only
   * that output is fetched, so a decoder's `present.*` cache is never copied out. Inputs the
   * graph declares beyond `feeds` (positions, the empty cache, `num_logits_to_keep`,
   * `use_cache_branch`) are filled from the plan.
   */
  async run(feeds: Feeds, output: string, options: FillOptions = {}): Promise<FloatOutput> {
    const ids = feeds["input_ids"];
    const mask = feeds["attention_mask"];
    if (!ids || !mask) throw new Error("OnnxSession.run needs input_ids and attention_mask feeds");
    const tensors = fillGraphInputs(
      this.ort,
      this.inputs,
      { inputIds: ids.data, attentionMask: mask.data, tokenTypeIds: feeds["token_type_ids"]?.data, dims: ids.dims },
      options,
    );
    const result = await this.gate.run(() => this.session.run(tensors, [output]));
    const t = result[output];
    if (!t) throw new Error(`ONNX graph produced no output "${output}"`);
    return { data: toFloat32(t), dims: [...t.dims] };
  }

  /**
   * Runs a prefix (one sequence, no padding) and keeps its key/value cache, to be passed as
   * `prefix` to later runs whose rows all continue it.
   * @throws {ModelLoadError} when the graph has no `past_key_values` inputs / `present` outputs.
   */
  async prefixCache(ids: readonly number[]): Promise<PrefixCache> {
    const pasts = this.inputs.inputs.filter((i) => i.kind === "past");
    const present = (name: string) => name.replace(/^past_key_values\./, "present.");
    const missing = pasts.map((p) => present(p.name)).filter((o) => !this.outputNames.includes(o));
    if (pasts.length === 0 || missing.length > 0) {
      throw new ModelLoadError(
        `Prefix reuse needs a decoder graph with past_key_values inputs and present outputs` +
          (missing.length ? ` (missing ${missing.join(", ")})` : ""),
        { path: "prefix" },
      );
    }
    const n = ids.length;
    const tensors = fillGraphInputs(this.ort, this.inputs, {
      inputIds: BigInt64Array.from(ids, (v) => BigInt(v)),
      attentionMask: new BigInt64Array(n).fill(1n),
      dims: [1, n],
    });
    const result = await this.gate.run(() => this.session.run(tensors, pasts.map((p) => present(p.name))));
    const cache: PrefixCache = { length: n, tensors: {} };
    for (const p of pasts) {
      const t = result[present(p.name)] as Ort.Tensor;
      cache.tensors[p.name] = { type: t.type as "float32" | "float16", data: t.data as Float32Array | Uint16Array, dims: [...t.dims] };
    }
    return cache;
  }

  /**
   * Frees the native session once the runs in flight have finished; runs asked for after this
   * reject with a `RerankKitError`.
   */
  async release(): Promise<void> {
    await this.gate.close();
    await this.session.release();
  }
}

function toFloat32(t: Ort.Tensor): Float32Array {
  if (t.type === "float32") return t.data as Float32Array;
  if (t.type === "float16") {
    const raw = t.data as unknown as ArrayLike<number>;
    const out = new Float32Array(raw.length);
    // Node 20 returns the raw bits as Uint16Array; newer runtimes may hand back Float16Array.
    const bits = raw instanceof Uint16Array;
    for (let i = 0; i < raw.length; i++) out[i] = bits ? halfToFloat(raw[i] as number) : (raw[i] as number);
    return out;
  }
  throw new Error(`Unsupported ONNX output type ${t.type}`);
}
