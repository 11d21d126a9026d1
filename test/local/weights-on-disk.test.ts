/**
 * An LLM reranker's graph is read and rewritten without its large weights: they stay in the
 * `.onnx` file, referenced by offset, and ONNX Runtime reads them from there. A load that copies
 * them into JavaScript (the whole file read, the rewrite's output holding the weights) keeps a
 * second resident copy of a model while ONNX Runtime builds its own (#23 item 1: the q8
 * Qwen3-Reranker-0.6B load peaked at the 753 MB file plus ONNX Runtime's tensors).
 */
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it, vi } from "vitest";
import { loadScorer } from "../../src/index.js";
import { int8MatMulSaturates } from "../../src/local/runtime/int8-weights-u8.js";
import { OnnxSession } from "../../src/local/runtime/onnx-session.js";
import { parseModel } from "../../src/local/runtime/onnx-proto.js";
import { ElemType, bytes, concat, encodeNode, encodeTensor, encodeValueInfo, int } from "../../src/local/runtime/onnx-writer.js";
import { readGraphLeavingWeightsOnDisk } from "../../src/local/runtime/weights-on-disk.js";

// The real Qwen3-Reranker-0.6B tokenizer and vocabulary, hidden size 8: the embedding and the head
// are 151669 x 8 float32 (4.9 MB each), the rest of the graph is small.
const CELL = "test/golden/llm-rerankers/qwen3-reranker-real";
const MODEL = join(CELL, "onnx", "model.onnx");
const QWEN3 = '{"architectures": ["Qwen3ForSequenceClassification"], "classifier_from_token": ["no", "yes"], "is_original_qwen3_reranker": true}';

describe("weights left on disk", () => {
  it("the graph is read without its large weights, each referencing the bytes where they sit in the file", () => {
    const file = readFileSync(MODEL);
    const { model, bytesOnDisk } = readGraphLeavingWeightsOnDisk(MODEL);
    const whole = parseModel(file, MODEL);
    const small = parseModel(model, MODEL);
    expect(model.length).toBeLessThan(file.length - bytesOnDisk + 4096);
    expect(bytesOnDisk).toBeGreaterThanOrEqual(2 * 151669 * 8 * 4);
    const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
    expect(small.nodes.map((n) => hex(n.raw))).toEqual(whole.nodes.map((n) => hex(n.raw)));
    const onDisk = small.initializers.filter((t) => t.external);
    expect(onDisk.length).toBe(2);
    const fd = openSync(MODEL, "r");
    try {
      for (const t of small.initializers) {
        const original = whole.initializers.find((w) => w.name === t.name)!;
        expect(t.dims).toEqual(original.dims);
        if (!t.external) {
          expect(hex(t.raw)).toBe(hex(original.raw));
          continue;
        }
        expect(t.external.location).toBe("model.onnx");
        const at = Buffer.alloc(t.external.length);
        readSync(fd, at, 0, at.length, t.external.offset);
        expect(at.equals(Buffer.from(original.rawData!))).toBe(true);
      }
    } finally {
      closeSync(fd);
    }
  });

  it("loadScorer hands ONNX Runtime the graph without the weights and no in-memory copy, and scores as before", async () => {
    const spy = vi.spyOn(ort.InferenceSession, "create");
    const golden = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as { cases: Array<{ query: string; document: string; instruction: string | null }>; logits: number[] };
    const scorer = await loadScorer(CELL, { hfOverrides: QWEN3, chatTemplate: "qwen3-reranker", threads: 1 });
    try {
      expect(spy).toHaveBeenCalledTimes(1);
      const [model, options] = spy.mock.calls[0] as unknown as [Uint8Array, ort.InferenceSession.SessionOptions];
      // The file is 9.8 MB, 9.7 MB of it the embedding and the head; the graph is what is left.
      expect(model.byteLength).toBeLessThan(256 * 1024);
      expect(options.externalData ?? []).toEqual([]);
      const plain = golden.cases.map((c, i) => [c, i] as const).filter(([c]) => c.instruction === null);
      const z = await scorer.score(plain.map(([c]) => c.query), plain.map(([c]) => c.document), { activation: false });
      const err = Math.max(...z.map((v, k) => Math.abs(v - golden.logits[plain[k]![1]]!)));
      expect(err).toBeLessThanOrEqual(1e-4);
    } finally {
      spy.mockRestore();
      await scorer.close();
    }
  });

  it("in a Hugging Face cache snapshot (model.onnx a symlink into blobs/) the references name the blob, which ONNX Runtime accepts", async () => {
    // ONNX Runtime refuses external data whose resolved path leaves the folder it is given, so a
    // reference to the snapshot's model.onnx (a link into ../../blobs) would not load.
    const root = mkdtempSync(join(tmpdir(), "rk-on-disk-cache-"));
    const repo = join(root, "models--test--qwen3-reranker");
    const snapshot = join(repo, "snapshots", "abc123");
    mkdirSync(join(repo, "blobs"), { recursive: true });
    mkdirSync(join(snapshot, "onnx"), { recursive: true });
    copyFileSync(MODEL, join(repo, "blobs", "f00d"));
    symlinkSync(join("..", "..", "..", "blobs", "f00d"), join(snapshot, "onnx", "model.onnx"));
    for (const f of readdirSync(CELL).filter((f) => f !== "onnx")) symlinkSync(resolve(CELL, f), join(snapshot, f));
    const read = readGraphLeavingWeightsOnDisk(join(snapshot, "onnx", "model.onnx"));
    expect(realpathSync(read.dir)).toBe(realpathSync(join(repo, "blobs")));
    expect(parseModel(read.model, "model.onnx").initializers.filter((t) => t.external).map((t) => t.external!.location)).toEqual(["f00d", "f00d"]);
    const scorer = await loadScorer(snapshot, { hfOverrides: QWEN3, chatTemplate: "qwen3-reranker", threads: 1 });
    try {
      const golden = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as { cases: Array<{ query: string; document: string; instruction: string | null }>; logits: number[] };
      const [first] = golden.cases.map((c, i) => [c, i] as const).filter(([c]) => c.instruction === null);
      const [z] = await scorer.score(first![0].query, [first![0].document], { activation: false });
      expect(Math.abs(z! - golden.logits[first![1]]!)).toBeLessThanOrEqual(1e-4);
    } finally {
      await scorer.close();
    }
  });

  it("in a cache snapshot, a graph with model.onnx_data (both links into blobs/) loads and scores as from a plain folder", async () => {
    // The fp32 Hub layout of large decoders. Before, the references kept the snapshot's names and
    // ONNX Runtime refused them ("External data path escapes model directory").
    const cell = "test/golden/decoders/qwen3-causal-lm";
    const root = mkdtempSync(join(tmpdir(), "rk-on-disk-cache-data-"));
    const repo = join(root, "models--test--qwen3-causal");
    const snapshot = join(repo, "snapshots", "abc123");
    mkdirSync(join(repo, "blobs"), { recursive: true });
    mkdirSync(join(snapshot, "onnx"), { recursive: true });
    for (const f of ["model.onnx", "model.onnx_data"]) {
      copyFileSync(join(cell, "external", f), join(repo, "blobs", `blob-${f}`));
      symlinkSync(join("..", "..", "..", "blobs", `blob-${f}`), join(snapshot, "onnx", f));
    }
    for (const f of readdirSync(cell).filter((f) => f !== "onnx" && f !== "external")) symlinkSync(resolve(cell, f), join(snapshot, f));
    const plain = mkdtempSync(join(tmpdir(), "rk-on-disk-plain-"));
    mkdirSync(join(plain, "onnx"));
    for (const f of ["model.onnx", "model.onnx_data"]) copyFileSync(join(cell, "external", f), join(plain, "onnx", f));
    for (const f of readdirSync(cell).filter((f) => f !== "onnx" && f !== "external")) symlinkSync(resolve(cell, f), join(plain, f));
    const options = { hfOverrides: '{"classifier_from_token": ["no", "yes"], "method": "from_2_way_softmax"}', chatTemplate: "qwen3-reranker", threads: 1, activation: "identity", maxLength: 256 } as const;
    const scores = async (dir: string) => {
      const scorer = await loadScorer(dir, options);
      try {
        return await scorer.score("what is a reranker", ["a model that orders documents", "a cooking recipe"]);
      } finally {
        await scorer.close();
      }
    };
    const [cached, local] = [await scores(snapshot), await scores(plain)];
    expect(cached).toEqual(local);
  });

  it("int8 weights left on disk compute exact integer sums on every CPU (ONNX Runtime makes them uint8 where VNNI is missing)", async () => {
    // MatMulInteger(DynamicQuantizeLinear(x), W), W int8 [K, 2] of +127 / -127 (128 KiB, left on
    // disk): with x all 1.0 the exact sums are +-K * 255 * 127; AVX2's int8 kernel saturates them.
    const K = 1 << 16;
    const w = new Int8Array(K * 2);
    for (let i = 0; i < K; i++) [w[2 * i], w[2 * i + 1]] = [127, -127];
    // input_ids all 1 are cast to the float x; the int32 sums come out cast to float (exact: K * 255 * 127 < 2^24 * 2^16).
    const g = concat([
      bytes(1, encodeNode({ op: "Cast", inputs: ["input_ids"], outputs: ["x"], attrs: { to: ElemType.FLOAT } }, 0)),
      bytes(1, encodeNode({ op: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["xq", "xs", "xz"] }, 1)),
      bytes(1, encodeNode({ op: "MatMulInteger", inputs: ["xq", "w", "xz"], outputs: ["y"] }, 2)),
      bytes(1, encodeNode({ op: "Cast", inputs: ["y"], outputs: ["logits"], attrs: { to: ElemType.FLOAT } }, 3)),
      bytes(2, "saturation"),
      bytes(5, encodeTensor("w", [K, 2], ElemType.INT8, new Uint8Array(w.buffer))),
      bytes(11, encodeValueInfo({ name: "input_ids", elemType: ElemType.INT64, dims: [1, K] })),
      bytes(12, encodeValueInfo({ name: "logits", elemType: ElemType.FLOAT, dims: [1, 2] })),
    ]);
    const dir = mkdtempSync(join(tmpdir(), "rk-on-disk-u8-"));
    writeFileSync(join(dir, "model.onnx"), concat([int(1, 8), bytes(2, "test"), bytes(7, g), bytes(8, concat([bytes(1, ""), int(2, 17)]))]));
    const { model, bytesOnDisk } = readGraphLeavingWeightsOnDisk(join(dir, "model.onnx"));
    expect(bytesOnDisk).toBe(2 * K);
    expect(model.length).toBeLessThan(4096);
    const ones = { data: new BigInt64Array(K).fill(1n), dims: [1, K] as [number, number] };
    const sums = async (int8Weights?: "int8") => {
      const session = await OnnxSession.fromBytes(model, "model.onnx", { externalDataDir: dir, threads: 1, int8Weights });
      try {
        return Array.from((await session.run({ input_ids: ones, attention_mask: ones }, "logits")).data);
      } finally {
        await session.release();
      }
    };
    const exact = [K * 255 * 127, -K * 255 * 127];
    expect(await sums()).toEqual(exact);
    // The file as written, on the int8 kernel: saturated where the CPU lacks VNNI.
    if (int8MatMulSaturates()) expect(await sums("int8")).not.toEqual(exact);
  });
});
