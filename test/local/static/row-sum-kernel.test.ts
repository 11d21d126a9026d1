/**
 * The static embedder's WebAssembly SIMD row sum (src/local/static/row-sum-wasm.ts, row-sum-kernel.ts)
 * against the JavaScript pool it replaces for float32 tables: the same float64 sums bit for bit,
 * for widths with and without a tail (dim % 4), texts longer than one kernel call, model2vec's
 * weights and vocabulary mapping; out-of-range ids refused before the kernel reads a row; and the
 * fallback to JavaScript where WebAssembly is missing.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { InvalidInputError } from "../../../src/errors/invalid-input-error.js";
import { ModelLoadError } from "../../../src/errors/model-load-error.js";
import { EmbeddingTable } from "../../../src/local/static/embedding-table.js";
import { ROW_SUM_CHUNK, RowSumKernel } from "../../../src/local/static/row-sum-kernel.js";
import { rowSumModuleBytes, sleb, uleb } from "../../../src/local/static/row-sum-wasm.js";
import { StaticEmbedder } from "../../../src/local/static/static-embedder.js";

/** The WebAssembly JS API as this test uses it (the project's lib declares none of it). */
const Wasm = (globalThis as unknown as {
  WebAssembly: {
    validate(bytes: Uint8Array): boolean;
    Module: { new (bytes: Uint8Array): object; exports(m: object): { kind: string; name: string }[]; imports(m: object): { kind: string; module: string; name: string }[] };
  };
}).WebAssembly;

const GOLDEN = join(import.meta.dirname, "..", "..", "golden", "sparse");

/** A seeded table with values of mixed magnitude, so a float32 sum or another order would show in the bits. */
function values(rows: number, dim: number, seed: number): Float32Array {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Float32Array.from({ length: rows * dim }, (_, i) => next() * (i % 5 === 0 ? 1e3 : 1) * (i % 11 === 0 ? 1e-4 : 1));
}

/** The same table twice: in a kernel's WebAssembly memory and in a plain buffer (the JavaScript pool). */
function tables(rows: number, dim: number, seed = 7): { simd: EmbeddingTable; js: EmbeddingTable } {
  const v = values(rows, dim, seed);
  const kernel = RowSumKernel.create(rows, dim);
  if (!kernel) throw new Error("no WebAssembly SIMD in this Node");
  kernel.tableBytes.set(new Uint8Array(v.buffer));
  const raw = { name: "t", dtype: "F32", shape: [rows, dim] };
  const simd = EmbeddingTable.fromRaw({ ...raw, bytes: kernel.tableBytes }, "t", kernel);
  const js = EmbeddingTable.fromRaw({ ...raw, bytes: new Uint8Array(v.slice().buffer) }, "t");
  expect([simd.kernel, js.kernel]).toEqual(["wasm-simd", "js"]);
  return { simd, js };
}

/** Sums in float64, row by row, written independently of both kernels. */
function reference(v: Float32Array, dim: number, ids: number[], mapping?: Int32Array, weights?: Float32Array): Float64Array {
  const out = new Float64Array(dim);
  for (const id of ids) {
    const row = mapping ? (mapping[id] as number) : id;
    const w = weights ? (weights[id] as number) : 1;
    for (let k = 0; k < dim; k++) out[k] = (out[k] as number) + w * (v[row * dim + k] as number);
  }
  return out;
}

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  const differ = [];
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) differ.push(k);
  expect(differ, `columns that differ (of ${a.length})`).toEqual([]);
};

const ids = (n: number, rows: number, seed: number) => Array.from({ length: n }, (_, i) => (i * 7919 + seed * 31 + ((i * i) % 13)) % rows);

describe("LEB128 encoders (the binary format's integers)", () => {
  it("write the WebAssembly spec's examples", () => {
    expect(uleb(0)).toEqual([0x00]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(65536)).toEqual([0x80, 0x80, 0x04]);
    expect(sleb(0)).toEqual([0x00]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(-4)).toEqual([0x7c]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });
});

describe("the row-sum module", () => {
  it("is valid WebAssembly with SIMD and exports add_rows and add_rows_weighted", () => {
    const bytes = rowSumModuleBytes(3);
    expect(Wasm.validate(bytes)).toBe(true);
    const mod = new Wasm.Module(bytes);
    expect(Wasm.Module.exports(mod).map((e) => `${e.kind} ${e.name}`)).toEqual(["function add_rows", "function add_rows_weighted"]);
    expect(Wasm.Module.imports(mod).map((e) => `${e.kind} ${e.module}.${e.name}`)).toEqual(["memory env.mem"]);
  });
});

describe("WebAssembly SIMD row sum vs the JavaScript pool", () => {
  for (const dim of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 768]) {
    it(`dim ${dim}: the same float64 sums bit for bit, and the same as a row-by-row sum`, () => {
      const rows = 97;
      const { simd, js } = tables(rows, dim, dim);
      const v = values(rows, dim, dim);
      for (const text of [[5], [0, rows - 1], ids(3, rows, 1), ids(57, rows, 2), [4, 4, 4, 9, 4]]) {
        const want = reference(v, dim, text);
        sameBits(js.sum(text), want);
        sameBits(simd.sum(text), want);
      }
    });
  }

  it("starts each text from zero (no sum carries over to the next text)", () => {
    const { simd } = tables(20, 6);
    const once = [...simd.sum([3, 4])];
    simd.sum([1, 2, 5, 7]);
    sameBits(simd.sum([3, 4]), once);
  });

  it(`a text longer than one kernel call (${ROW_SUM_CHUNK} ids) sums every id once`, () => {
    const rows = 300;
    const dim = 10;
    const { simd, js } = tables(rows, dim, 3);
    const v = values(rows, dim, 3);
    for (const n of [ROW_SUM_CHUNK - 1, ROW_SUM_CHUNK, ROW_SUM_CHUNK + 1, 2 * ROW_SUM_CHUNK + 17]) {
      const text = ids(n, rows, n);
      const want = reference(v, dim, text);
      sameBits(simd.sum(text), want);
      sameBits(js.sum(text), want);
    }
  });

  it("model2vec weights and vocabulary mapping: the same sums bit for bit", () => {
    const vocab = 5000;
    const rows = 64;
    const dim = 11;
    const { simd, js } = tables(rows, dim, 5);
    const v = values(rows, dim, 5);
    const mapping = Int32Array.from({ length: vocab }, (_, id) => (id * 37) % rows);
    const weights = Float32Array.from({ length: vocab }, (_, id) => 0.05 + ((id * 2654435761) % 1000) / 250);
    for (const text of [ids(1, vocab, 1), ids(40, vocab, 2), ids(ROW_SUM_CHUNK + 5, vocab, 3)]) {
      for (const [m, w] of [[mapping, weights], [mapping, undefined], [undefined, weights]] as const) {
        const t = m ? text : text.map((id) => id % rows);
        const want = reference(v, dim, t, m, w);
        sameBits(js.sum(t, m, w), want);
        sameBits(simd.sum(t, m, w), want);
      }
    }
  });

  it("refuses an id outside the table with InvalidInputError before the kernel reads it (both kernels)", () => {
    const { simd, js } = tables(10, 8);
    const mapping = Int32Array.from([0, 1, 2, 10, -1]);
    for (const table of [simd, js]) {
      for (const bad of [10, -1, 2 ** 31 - 1, 2 ** 32 + 1, 1e12, Number.NaN]) {
        expect(() => table.sum([1, 2, bad]), String(bad)).toThrow(InvalidInputError);
        expect(() => table.sum([1, 2, bad])).toThrow(/outside the embedding table \(10 rows\)/);
      }
      expect(() => table.sum([1, 3], mapping)).toThrow(/token id 3 is outside/);
      expect(() => table.sum([4], mapping)).toThrow(/token id 4 is outside/);
      expect(() => table.sum([7], mapping)).toThrow(/token id 7 is outside/);
      // The table is still usable afterwards and sums from zero.
      sameBits(table.sum([1]), Float64Array.from(values(10, 8, 7).subarray(8, 16)));
    }
  });

  it("an empty id list sums to zeros (the embedder refuses empty texts before this)", () => {
    const { simd } = tables(10, 5);
    simd.sum([1, 2]);
    sameBits(simd.sum([]), new Float64Array(5));
  });
});

describe("StaticEmbedder on each kernel", () => {
  afterEach(() => vi.unstubAllGlobals());
  const texts = [
    "Paris is the capital and largest city of France.",
    "Zürich café: naïve élève — 3.5 km² in 2024 (über alles)",
    "the city ".repeat(2600) + "and its museums", // over ROW_SUM_CHUNK tokens (static-st has no limit)
  ];

  for (const cell of ["static-st", "static-st-normalize", "model2vec"]) {
    it(`${cell}: auto picks wasm-simd and embeds the same bits as js`, async () => {
      const simd = await StaticEmbedder.load(join(GOLDEN, cell));
      const js = await StaticEmbedder.load(join(GOLDEN, cell), cell, { kernel: "js" });
      expect([simd.kernel, js.kernel]).toEqual(["wasm-simd", "js"]);
      const a = await simd.embed(texts);
      const b = await js.embed(texts);
      a.forEach((v, i) => sameBits(v, b[i] as Float32Array));
      expect(await simd.score(texts[0] as string, texts)).toEqual(await js.score(texts[0] as string, texts));
    });
  }

  it("a float16 table keeps the JavaScript pool; wasm-simd is refused for it with ModelLoadError", async () => {
    expect((await StaticEmbedder.load(join(GOLDEN, "model2vec-f16"))).kernel).toBe("js");
    await expect(StaticEmbedder.load(join(GOLDEN, "model2vec-f16"), "m", { kernel: "wasm-simd" })).rejects.toThrow(ModelLoadError);
  });

  it("without WebAssembly (node --jitless) auto falls back to js with the same vectors", async () => {
    const simd = await StaticEmbedder.load(join(GOLDEN, "static-st"));
    vi.stubGlobal("WebAssembly", undefined);
    const js = await StaticEmbedder.load(join(GOLDEN, "static-st"));
    await expect(StaticEmbedder.load(join(GOLDEN, "static-st"), "m", { kernel: "wasm-simd" })).rejects.toThrow(/WebAssembly SIMD kernel cannot hold this table/);
    vi.unstubAllGlobals();
    expect(js.kernel).toBe("js");
    const a = await simd.embed(texts);
    (await js.embed(texts)).forEach((v, i) => sameBits(v, a[i] as Float32Array));
  });

  it("without WebAssembly SIMD (validate refuses the module) auto falls back to js", async () => {
    vi.stubGlobal("WebAssembly", { validate: () => false });
    expect((await StaticEmbedder.load(join(GOLDEN, "model2vec"))).kernel).toBe("js");
  });

  it("hostile input keeps its typed errors on the wasm kernel", async () => {
    const model = await StaticEmbedder.load(join(GOLDEN, "static-st"));
    expect(model.kernel).toBe("wasm-simd");
    await expect(model.embed(["ok", ""])).rejects.toThrow(/texts\[1\] is empty/);
    await expect(model.embed([""])).rejects.toThrow(InvalidInputError);
  });
});
