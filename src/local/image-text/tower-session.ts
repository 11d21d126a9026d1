import { availableParallelism } from "node:os";
import type * as Ort from "onnxruntime-node";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { trackNativeCall } from "../runtime/native-runs.js";
import { loadOnnxRuntime } from "../runtime/onnx-session.js";
import { RunGate } from "../runtime/run-gate.js";

/** A feed: int64 token ids and masks, or float32 pixels. */
export type TowerFeed = { data: BigInt64Array | Float32Array; dims: number[] };

/**
 * An ONNX session for a CLIP / SigLIP tower: unlike text encoders' sessions it takes float
 * `pixel_values` as well as token ids, and returns several named outputs.
 */
export class TowerSession {
  private readonly gate = new RunGate();

  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    /** Input names the graph declares. */
    readonly inputNames: readonly string[],
    /** Output names the graph declares. */
    readonly outputNames: readonly string[],
  ) {}

  /**
   * Opens a tower graph.
   * @throws {ModelLoadError} naming the file when ONNX Runtime rejects it.
   */
  static async create(path: string, options: { threads?: number | undefined; device?: string | undefined } = {}): Promise<TowerSession> {
    const ort = await loadOnnxRuntime();
    try {
      const session = await trackNativeCall(() =>
        ort.InferenceSession.create(path, {
          intraOpNumThreads: options.threads ?? availableParallelism(),
          graphOptimizationLevel: "all",
          executionProviders: [options.device ?? "cpu"],
        }),
      );
      return new TowerSession(ort, session, session.inputNames, session.outputNames);
    } catch (cause) {
      throw new ModelLoadError(`ONNX Runtime cannot load ${path}: ${(cause as Error).message}`, { path, cause });
    }
  }

  /** The first of `names` the graph outputs. */
  pickOutput(names: readonly string[], path: string): string {
    const found = names.find((n) => this.outputNames.includes(n));
    if (found === undefined) {
      throw new ModelLoadError(`${path} has none of the outputs ${names.join(", ")} (it has ${this.outputNames.join(", ")})`, { path });
    }
    return found;
  }

  /** Runs the graph on `feeds` (only the inputs it declares are passed) and returns `outputs` as float32. */
  async run(feeds: Record<string, TowerFeed>, outputs: readonly string[]): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
    const tensors: Record<string, Ort.Tensor> = {};
    for (const name of this.inputNames) {
      const feed = feeds[name];
      if (feed === undefined) throw new ModelLoadError(`The graph needs an input "${name}" that image-text models do not fill`, { path: name });
      tensors[name] = new this.ort.Tensor(feed.data instanceof Float32Array ? "float32" : "int64", feed.data, feed.dims);
    }
    const result = await this.gate.run(() => this.session.run(tensors, [...outputs]));
    const out: Record<string, { data: Float32Array; dims: number[] }> = {};
    for (const name of outputs) {
      const t = result[name];
      if (t === undefined || t.type !== "float32") throw new ModelLoadError(`The graph gave no float32 output "${name}"`, { path: name });
      out[name] = { data: t.data as Float32Array, dims: [...t.dims] };
    }
    return out;
  }

  /** Frees the native session once runs in flight have finished. */
  async release(): Promise<void> {
    await this.gate.close();
    await this.session.release();
  }
}
