/**
 * int8 MatMul weights shifted to uint8 at load on x86 CPUs without VNNI: ONNX Runtime's uint8 x
 * int8 kernel there (AVX2 `vpmaddubsw`) saturates int16 pair sums; its uint8 x uint8 kernel does
 * not. These tests hold on every CPU; which branch a CPU takes is named in each.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ModelLoadError } from "../../src/errors/model-load-error.js";
import { InvalidOptionError, loadScorer } from "../../src/index.js";
import { quantizeModel } from "../../src/local/quantize/quantize-model.js";
import { int8MatMulSaturates, rewriteInt8WeightsToUint8, wantsUint8Weights } from "../../src/local/runtime/int8-weights-u8.js";
import { parseModel } from "../../src/local/runtime/onnx-proto.js";
import { openGraphSession } from "../../src/local/runtime/open-encoder-session.js";
import { runMicroBatches } from "../../src/local/runtime/run-batches.js";
import { ElemType, bytes, concat, encodeNode, encodeTensor, encodeValueInfo, int } from "../../src/local/runtime/onnx-writer.js";

const K = 64;

/**
 * `MatMulInteger(DynamicQuantizeLinear(x), W)`, W int8 `[K, 2]`: column 0 all +127, column 1 all
 * -127. With x all 1.0 the activation quantizes to 255 (scale 1/255, zero point 0), so the exact
 * int32 outputs are +-K * 255 * 127, and every pair sum (2 * 255 * 127 = 64770) overflows int16.
 */
function saturatingGraph(): Uint8Array {
  const w = new Int8Array(K * 2);
  for (let i = 0; i < K; i++) {
    w[2 * i] = 127;
    w[2 * i + 1] = -127;
  }
  const g = concat([
    bytes(1, encodeNode({ op: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["xq", "xs", "xz"] }, 0)),
    bytes(1, encodeNode({ op: "MatMulInteger", inputs: ["xq", "w", "xz"], outputs: ["y"] }, 1)),
    bytes(2, "saturation"),
    bytes(5, encodeTensor("w", [K, 2], ElemType.INT8, new Uint8Array(w.buffer))),
    bytes(11, encodeValueInfo({ name: "x", elemType: ElemType.FLOAT, dims: [1, K] })),
    bytes(12, encodeValueInfo({ name: "y", elemType: ElemType.INT32, dims: [1, 2] })),
  ]);
  return concat([int(1, 8), bytes(2, "test"), bytes(7, g), bytes(8, concat([bytes(1, ""), int(2, 17)]))]);
}

async function runSaturating(model: Uint8Array): Promise<number[]> {
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: "all", intraOpNumThreads: 1 });
  try {
    const y = (await session.run({ x: new ort.Tensor("float32", new Float32Array(K).fill(1), [1, K]) }))["y"]!;
    return Array.from(y.data as Int32Array);
  } finally {
    await session.release();
  }
}

describe("int8 weights as uint8 (CPUs without VNNI)", () => {
  it("CPU flags: AVX2 without avx512_vnni / avx_vnni / amx_int8 saturates; any of them, or no AVX2, does not", () => {
    const flags = (f: string) => `processor : 0\nflags : fpu sse2 ${f} bmi2\n`;
    expect(int8MatMulSaturates(flags("avx avx2 fma"))).toBe(true);
    expect(int8MatMulSaturates(flags("avx avx2 avx512f avx512_vnni"))).toBe(false);
    expect(int8MatMulSaturates(flags("avx avx2 avx_vnni"))).toBe(false);
    expect(int8MatMulSaturates(flags("avx avx2 amx_int8 amx_tile"))).toBe(false);
    expect(int8MatMulSaturates(flags("sse4_2"))).toBe(false);
    // The default follows this CPU; the explicit choices do not.
    expect(wantsUint8Weights(undefined)).toBe(int8MatMulSaturates());
    expect(wantsUint8Weights("auto")).toBe(int8MatMulSaturates());
    expect(wantsUint8Weights("uint8")).toBe(true);
    expect(wantsUint8Weights("int8")).toBe(false);
    // "auto" on both kinds of CPU, whichever this one is.
    for (const saturates of [true, false]) {
      expect(wantsUint8Weights(undefined, saturates)).toBe(saturates);
      expect(wantsUint8Weights("auto", saturates)).toBe(saturates);
      expect(wantsUint8Weights("uint8", saturates)).toBe(true);
      expect(wantsUint8Weights("int8", saturates)).toBe(false);
    }
  });

  it("the shifted graph computes the exact integer sums (+-K * 255 * 127) on every CPU", async () => {
    const model = saturatingGraph();
    const shifted = rewriteInt8WeightsToUint8(model, "saturation.onnx");
    expect(shifted?.weights).toBe(1);
    const exact = [K * 255 * 127, -K * 255 * 127];
    expect(await runSaturating(shifted!.model)).toEqual(exact);
    const asIs = await runSaturating(model);
    console.log(`[int8] this CPU ${int8MatMulSaturates() ? "lacks" : "has"} VNNI; the int8 file gives ${asIs.join(", ")} for exact ${exact.join(", ")}`);
    // On a CPU without VNNI the file as written loses half of every pair sum to saturation.
    if (int8MatMulSaturates()) expect(asIs).not.toEqual(exact);
  });

  it("a q8 cross-encoder loads shifted by default where the CPU lacks VNNI, as the file where it has it, and stays within 0.1 of fp32", async () => {
    const CROSS = "test/golden/encoders/cross/bert";
    const golden = JSON.parse(readFileSync(join(CROSS, "golden.json"), "utf8")) as { pairs: Array<{ query: string; document: string; score: number }> };
    const query = golden.pairs[0]!.query;
    const pairs = golden.pairs.filter((p) => p.query === query);
    const out = mkdtempSync(join(tmpdir(), "rk-int8-u8-"));
    await quantizeModel(CROSS, { out, skipParity: true }); // per-column int8: columns reach +-127
    const scores = async (int8Weights?: "int8" | "uint8") => {
      const scorer = await loadScorer(out, { dtype: "q8", activation: "identity", threads: 1, ...(int8Weights ? { int8Weights } : {}) });
      try {
        return await scorer.score(query, pairs.map((p) => p.document));
      } finally {
        await scorer.close();
      }
    };
    const [byDefault, asInt8, asUint8] = [await scores(), await scores("int8"), await scores("uint8")];
    const same = int8MatMulSaturates() ? asUint8 : asInt8;
    for (const [i, v] of byDefault.entries()) expect(v).toBeCloseTo(same[i]!, 5);
    const drift = (z: number[]) => Math.max(...z.map((v, i) => Math.abs(v - pairs[i]!.score)));
    console.log(`[int8] q8 cross/bert max logit drift from fp32: int8 kernel ${drift(asInt8).toFixed(3)}, uint8 ${drift(asUint8).toFixed(3)}, default ${drift(byDefault).toFixed(3)}`);
    expect(drift(byDefault)).toBeLessThan(0.1);
    expect(drift(asUint8)).toBeLessThan(0.1);
  });

  it("a q8 decoder opened as rerank-kit opens it equals onnxruntime's Python run on an AVX-512 VNNI CPU within 1e-4, on every CPU", async () => {
    // The golden was recorded where the int8 kernel does not saturate; the shift is the same
    // integer math, so it reproduces that run here (measured: 0 here, 0.234 with the int8 kernel).
    const cell = join("test", "golden", "decoders", "qwen3-causal-lm");
    const golden = JSON.parse(readFileSync(join(cell, "golden.json"), "utf8")) as { input_ids: number[][]; token_ids: number[]; ort_last_logits: Record<string, number[][]> };
    const config = JSON.parse(readFileSync(join(cell, "config.json"), "utf8")) as Record<string, unknown>;
    const last = async (int8Weights?: "int8") => {
      const session = await openGraphSession(join(cell, "onnx", "model_quantized.onnx"), { config, threads: 1, int8Weights });
      const vocab = Number(config["vocab_size"]);
      try {
        return await runMicroBatches(
          session,
          golden.input_ids.map((ids) => ({ ids })),
          { output: "logits", padId: golden.token_ids[2] as number, padding: "left" },
          ({ output, row, seq }) => golden.token_ids.map((t) => output.data[(row * seq + seq - 1) * vocab + t] as number),
        );
      } finally {
        await session.release();
      }
    };
    const want = golden.ort_last_logits["onnx/model_quantized.onnx"]!;
    const maxAbs = (a: number[][]) => Math.max(...a.flatMap((r, i) => r.map((v, j) => Math.abs(v - want[i]![j]!))));
    const [byDefault, asInt8] = [maxAbs(await last()), maxAbs(await last("int8"))];
    console.log(`[int8] q8 decoder vs the VNNI CPU's Python run: default ${byDefault.toExponential(2)}, int8 kernel ${asInt8.toExponential(2)}`);
    expect(byDefault).toBeLessThan(1e-4);
  });

  it("int8Weights is validated: an unknown value is an InvalidOptionError naming the choices", async () => {
    const e = await loadScorer("test/golden/encoders/cross/bert", { int8Weights: "fast" as never }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect((e as Error).message).toMatch(/int8Weights[\s\S]*uint8/);
  });
});

/**
 * Which weights the rewrite touches, read back from the bytes it writes. The uint8 values are
 * int8 + 128, computed with numpy (`(np.int8(v).astype(np.int16) + 128)`), not with this code.
 */
describe("rewriteInt8WeightsToUint8: which weights, and the bytes it writes", () => {
  const i8 = (name: string, dims: number[], v: number[]) => encodeTensor(name, dims, ElemType.INT8, new Uint8Array(Int8Array.from(v).buffer));
  const dql = (domain?: string) => encodeNode({ op: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["xq", "xs", "xz"], ...(domain ? { domain } : {}) }, 0);
  const mmi = (inputs: string[], out = "y", index = 1) => encodeNode({ op: "MatMulInteger", inputs, outputs: [out] }, index);
  const model = (nodes: Uint8Array[], inits: Uint8Array[], inputs: string[] = ["x"], extra: Uint8Array[] = []) => {
    const g = concat([
      ...nodes.map((n) => bytes(1, n)),
      bytes(2, "g"),
      ...inits.map((t) => bytes(5, t)),
      ...inputs.map((name) => bytes(11, encodeValueInfo({ name, elemType: ElemType.FLOAT, dims: [1, 2] }))),
      bytes(12, encodeValueInfo({ name: "y", elemType: ElemType.INT32, dims: [1, 3] })),
      ...extra,
    ]);
    return concat([int(1, 8), bytes(2, "test"), bytes(7, g), bytes(8, concat([bytes(1, ""), int(2, 17)]))]);
  };
  const W = [-3, 5, -100, 90, 0, -1];
  const W_U8 = [125, 133, 28, 218, 128, 127];
  const read = (m: Uint8Array) => {
    const p = parseModel(m, "out.onnx");
    const init = (name: string) => {
      const t = p.initializers.find((x) => x.name === name)!;
      return { type: t.dataType, dims: t.dims, values: Array.from(t.rawData ?? []) };
    };
    return { p, init, inputs: (op: string) => p.nodes.find((n) => n.op === op)!.inputs };
  };

  it("rewrites an int8 weight and its int8 zero point to uint8 + 128, inputs unchanged", () => {
    const out = rewriteInt8WeightsToUint8(model([dql(), mmi(["xq", "w", "xz", "wz"])], [i8("w", [2, 3], W), i8("wz", [3], [-128, 0, 127])]), "m.onnx");
    expect(out?.weights).toBe(1);
    const r = read(out!.model);
    expect(r.init("w")).toEqual({ type: ElemType.UINT8, dims: [2, 3], values: W_U8 });
    expect(r.init("wz")).toEqual({ type: ElemType.UINT8, dims: [3], values: [0, 128, 255] });
    expect(r.inputs("MatMulInteger")).toEqual(["xq", "w", "xz", "wz"]);
    expect(r.p.initializers).toHaveLength(2);
  });

  it("a missing zero point becomes a uint8 128 at its input index, an empty name filling the gap", () => {
    const out = rewriteInt8WeightsToUint8(model([dql(), mmi(["xq", "w"])], [i8("w", [2, 3], W)]), "m.onnx");
    const r = read(out!.model);
    expect(r.inputs("MatMulInteger")).toEqual(["xq", "w", "", "rerank_kit_u8_zero_point_128"]);
    expect(r.init("rerank_kit_u8_zero_point_128")).toEqual({ type: ElemType.UINT8, dims: [], values: [128] });
    expect(r.init("w").values).toEqual(W_U8);
  });

  it("com.microsoft DynamicQuantizeMatMul (no MatMulInteger in the file) is rewritten too", () => {
    const node = encodeNode({ op: "DynamicQuantizeMatMul", domain: "com.microsoft", inputs: ["x", "w", "s"], outputs: ["y"] }, 0);
    const s = encodeTensor("s", [], ElemType.FLOAT, new Uint8Array(Float32Array.of(0.5).buffer));
    const out = rewriteInt8WeightsToUint8(model([node], [i8("w", [2, 3], W), s]), "m.onnx");
    expect(out?.weights).toBe(1);
    const r = read(out!.model);
    expect(r.init("w").values).toEqual(W_U8);
    expect(r.inputs("DynamicQuantizeMatMul")).toEqual(["x", "w", "s", "rerank_kit_u8_zero_point_128"]);
  });

  it("an int8 weight stored in int32_data is converted like raw_data; raw_data shorter than the shape is a ModelLoadError", () => {
    // onnx.helper.make_tensor("w", INT8, [2, 2], [-128, -1, 0, 127], raw=False)
    const typed = Uint8Array.from([8, 2, 8, 2, 16, 3, 42, 22, 128, 255, 255, 255, 255, 255, 255, 255, 255, 1, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1, 0, 127, 66, 1, 119]);
    const out = rewriteInt8WeightsToUint8(model([dql(), mmi(["xq", "w", "xz"])], [typed]), "m.onnx");
    expect(read(out!.model).init("w")).toEqual({ type: ElemType.UINT8, dims: [2, 2], values: [0, 127, 128, 255] });
    const short = encodeTensor("w", [2, 3], ElemType.INT8, Uint8Array.from([1, 2, 3]));
    expect(() => rewriteInt8WeightsToUint8(model([dql(), mmi(["xq", "w", "xz"])], [short]), "m.onnx")).toThrow(ModelLoadError);
    expect(() => rewriteInt8WeightsToUint8(model([dql(), mmi(["xq", "w", "xz"])], [short]), "m.onnx")).toThrow("m.onnx: tensor w is shorter than its shape");
  });

  it("leaves the model alone (undefined) when a weight cannot be rewritten safely", () => {
    const w = i8("w", [2, 3], W);
    const cases: Record<string, Uint8Array> = {
      "not a model, no quantized op named": Uint8Array.from([0xff, 0xff, 0xff]),
      "weight is a graph input": model([dql(), mmi(["xq", "w", "xz"])], [], ["x", "w"]),
      "weight is already uint8": model([dql(), mmi(["xq", "w", "xz"])], [encodeTensor("w", [2, 3], ElemType.UINT8, Uint8Array.from(W_U8))]),
      "zero point is a graph input": model([dql(), mmi(["xq", "w", "xz", "wz"])], [w], ["x", "wz"]),
      "activation is a graph input": model([mmi(["x", "w"])], [w]),
      "activation from QuantizeLinear": model([encodeNode({ op: "QuantizeLinear", inputs: ["x", "xs", "xz"], outputs: ["xq"] }, 0), mmi(["xq", "w"])], [w]),
      "activation from another domain's DynamicQuantizeLinear": model([dql("com.example"), mmi(["xq", "w", "xz"])], [w]),
      "weight also read by an Identity": model([dql(), mmi(["xq", "w", "xz"]), encodeNode({ op: "Identity", inputs: ["w"], outputs: ["w2"] }, 2)], [w]),
      "zero point also read by an Identity": model([dql(), mmi(["xq", "w", "xz", "wz"]), encodeNode({ op: "Identity", inputs: ["wz"], outputs: ["z2"] }, 2)], [w, i8("wz", [3], [1, 2, 3])]),
      "a weight is another node's zero point": model(
        [dql(), mmi(["xq", "w", "xz"]), mmi(["xq", "v", "xz", "w"], "y2", 2)],
        [w, i8("v", [2, 3], W)],
      ),
      "a node has a subgraph": model(
        [dql(), mmi(["xq", "w", "xz"]), concat([encodeNode({ op: "If", inputs: ["c"], outputs: ["o"] }, 2), bytes(5, concat([bytes(1, "then_branch"), bytes(6, bytes(2, "sub")), int(20, 5)]))])],
        [w],
      ),
    };
    for (const [why, m] of Object.entries(cases)) expect(rewriteInt8WeightsToUint8(m, "m.onnx"), why).toBeUndefined();
  });
});

/** The per-process CPU check, on stand-in platforms and /proc/cpuinfo texts (fresh module each). */
describe("int8MatMulSaturates() without an argument", () => {
  const platform = Object.getOwnPropertyDescriptor(process, "platform")!;
  const arch = Object.getOwnPropertyDescriptor(process, "arch")!;
  afterEach(() => {
    Object.defineProperty(process, "platform", platform);
    Object.defineProperty(process, "arch", arch);
    vi.doUnmock("node:fs");
    vi.resetModules();
  });
  const fresh = async (os: string, cpu: string, cpuinfo: string | Error) => {
    Object.defineProperty(process, "platform", { value: os, configurable: true });
    Object.defineProperty(process, "arch", { value: cpu, configurable: true });
    vi.resetModules();
    vi.doMock("node:fs", async (orig) => ({
      ...(await orig<typeof import("node:fs")>()),
      readFileSync: (path: string, enc: string) => {
        if (path !== "/proc/cpuinfo" || enc !== "utf8" || cpuinfo instanceof Error) throw cpuinfo instanceof Error ? cpuinfo : new Error(`unexpected read ${path}`);
        return cpuinfo;
      },
    }));
    return (await import("../../src/local/runtime/int8-weights-u8.js")).int8MatMulSaturates;
  };
  const AVX2 = "flags : fpu sse2 avx avx2 fma\n";

  it("reads /proc/cpuinfo on x64 Linux only; an unreadable file counts as no saturation", async () => {
    expect(await (await fresh("linux", "x64", AVX2))()).toBe(true);
    expect(await (await fresh("linux", "x64", "flags : avx2 avx512_vnni\n"))()).toBe(false);
    expect(await (await fresh("linux", "x64", new Error("EACCES")))()).toBe(false);
    expect(await (await fresh("darwin", "x64", AVX2))()).toBe(false);
    expect(await (await fresh("linux", "arm64", AVX2))()).toBe(false);
  });

  it("decides once per process: a later change of platform does not change the answer", async () => {
    const saturates = await fresh("darwin", "x64", AVX2);
    expect(saturates()).toBe(false);
    Object.defineProperty(process, "platform", { value: "linux", configurable: true });
    expect(saturates()).toBe(false);
  });
});
