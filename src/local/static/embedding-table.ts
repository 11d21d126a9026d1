import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { halfToFloat, readSafetensorRaw, type RawTensor } from "../files/safetensors.js";
import { ROW_SUM_CHUNK, RowSumKernel } from "./row-sum-kernel.js";

/** Lazily built float16 -> float32 lookup (65,536 entries, 256 KB): one array read per value. */
let halfTable: Float32Array | undefined;
function halves(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

type Kind = "F32" | "F64" | "F16" | "BF16" | "I8";

/**
 * How a table's rows are summed: `wasm-simd` (float32 tables, held in WebAssembly memory, summed
 * with SIMD) or `js` (every dtype). Both sum in float64 and give the same bits; `auto` picks
 * `wasm-simd` where it runs.
 */
export type PoolKernel = "auto" | "wasm-simd" | "js";

/**
 * A `[rows, dim]` token embedding table kept in the dtype it was stored in (float32, float64,
 * float16, bfloat16 or int8 as model2vec quantizes): a 30522 x 768 float32 table is 94 MB, and
 * converting a float16 one up front would double it. Rows are decoded as they are added.
 */
export class EmbeddingTable {
  /** Vocabulary rows. */
  readonly rows: number;
  /** Width of a row. */
  readonly dim: number;
  /** The kernel that sums rows in {@link sum}. */
  readonly kernel: Exclude<PoolKernel, "auto">;
  private readonly kind: Kind;
  private readonly values: Float32Array | Float64Array | Uint16Array | Int8Array;
  private readonly wasm: RowSumKernel | undefined;
  /** The JavaScript path's float64 accumulator, reused: a fresh one per text is garbage that showed up as ~30 MB of peak RSS over 5000 texts. */
  private readonly acc: Float64Array;

  private constructor(kind: Kind, values: EmbeddingTable["values"], rows: number, dim: number, wasm?: RowSumKernel) {
    this.kind = kind;
    this.values = values;
    this.rows = rows;
    this.dim = dim;
    this.wasm = wasm;
    this.kernel = wasm ? "wasm-simd" : "js";
    this.acc = new Float64Array(wasm ? 0 : dim);
  }

  /**
   * Reads the first of `names` from a safetensors file. A float32 table goes straight into the
   * WebAssembly memory of a {@link RowSumKernel} (unless `kernel` is `js`, or the kernel cannot
   * run here), so it exists once; any other dtype, or no kernel, into a buffer of its own.
   * @throws {ModelLoadError} as {@link readSafetensorRaw} and {@link EmbeddingTable.fromRaw} do, or
   *   when `kernel` is `wasm-simd` and the kernel cannot hold this table.
   */
  static async read(path: string, names: string[], kernel: PoolKernel = "auto"): Promise<EmbeddingTable> {
    let wasm: RowSumKernel | undefined;
    const raw = await readSafetensorRaw(path, names, ({ dtype, shape, byteLength }) => {
      const [rows, dim] = shape;
      if (kernel === "js" || dtype !== "F32" || shape.length !== 2 || !rows || !dim || byteLength !== rows * dim * 4) return undefined;
      wasm = RowSumKernel.create(rows, dim);
      return wasm?.tableBytes;
    });
    if (kernel === "wasm-simd" && !wasm) {
      throw new ModelLoadError(`${path}: the WebAssembly SIMD kernel cannot hold this table here (${raw.dtype} [${raw.shape.join(", ")}]; it needs float32 and WebAssembly SIMD)`, { path });
    }
    return EmbeddingTable.fromRaw(raw, path, wasm);
  }

  /**
   * Wraps a tensor read by `readSafetensorRaw` without copying it; `wasm` is the kernel whose
   * memory a float32 tensor was read into.
   * @throws {ModelLoadError} for a shape that is not 2-D or a dtype other than F32, F64, F16, BF16, I8.
   */
  static fromRaw(raw: RawTensor, path: string, wasm?: RowSumKernel): EmbeddingTable {
    const [rows, dim] = raw.shape;
    if (raw.shape.length !== 2 || !rows || !dim) {
      throw new ModelLoadError(`${path}: tensor ${raw.name} must be [vocab, dim], got [${raw.shape.join(", ")}]`, { path });
    }
    const buf = raw.bytes.buffer;
    const at = raw.bytes.byteOffset;
    const n = rows * dim;
    switch (raw.dtype) {
      case "F32":
        return new EmbeddingTable("F32", wasm?.table ?? new Float32Array(buf, at, n), rows, dim, wasm);
      case "F64":
        return new EmbeddingTable("F64", new Float64Array(buf, at, n), rows, dim);
      case "F16":
      case "BF16":
        return new EmbeddingTable(raw.dtype, new Uint16Array(buf, at, n), rows, dim);
      case "I8":
        return new EmbeddingTable("I8", new Int8Array(buf, at, n), rows, dim);
      default:
        throw new ModelLoadError(`${path}: tensor ${raw.name} has unsupported dtype ${raw.dtype} (F32, F64, F16, BF16 or I8)`, { path });
    }
  }

  /**
   * The sum over `ids` of row `mapping[id]` (or `id`) times `weights[id]` (or 1): the numerator
   * of a static model's mean, in float64. Returns the kernel's accumulator, valid until the next
   * call; both kernels give the same bits.
   * @throws {InvalidInputError} for an id whose row is outside the table; each id is checked
   *   before the kernel reads its row.
   */
  sum(ids: readonly number[], mapping?: Int32Array, weights?: Float32Array): Float64Array {
    const wasm = this.wasm;
    if (wasm) {
      wasm.clear();
      for (let from = 0; from < ids.length; from += ROW_SUM_CHUNK) {
        const n = Math.min(ROW_SUM_CHUNK, ids.length - from);
        for (let i = 0; i < n; i++) {
          const id = ids[from + i] as number;
          wasm.ids[i] = this.rowOf(id, mapping);
          if (weights) wasm.weights[i] = weights[id] as number;
        }
        wasm.run(n, weights !== undefined);
      }
      return wasm.acc;
    }
    const acc = this.acc;
    for (const id of ids) this.rowOf(id, mapping);
    if (mapping || weights) {
      acc.fill(0);
      for (const id of ids) this.addRow(this.rowOf(id, mapping), acc, weights ? (weights[id] as number) : 1);
    } else {
      this.sumRows(ids, acc);
    }
    return acc;
  }

  /** The row of token `id`, checked to lie in the table. */
  private rowOf(id: number, mapping: Int32Array | undefined): number {
    const row = mapping ? (mapping[id] as number) : id;
    if (!(row >= 0 && row < this.rows)) throw new InvalidInputError(`token id ${id} is outside the embedding table (${this.rows} rows)`, { field: "text" });
    return row;
  }

  /**
   * Writes the sum of rows `rows` (weight 1) into `out`, overwriting it: the common unweighted
   * case. Each column is summed over the rows in order starting from 0 in float64, exactly as
   * repeated {@link addRow} calls into a zeroed `out` would, so the result is bit-identical; only
   * the loop order differs (eight columns at a time, held in locals instead of read and written
   * back per row), which is what makes it fast.
   */
  sumRows(rows: readonly number[], out: Float64Array): void {
    const dim = this.dim;
    if (this.kind !== "F32") {
      out.fill(0);
      for (const row of rows) this.addRow(row, out);
      return;
    }
    const v = this.values as Float32Array;
    const n = rows.length;
    const offsets = new Int32Array(n);
    for (let r = 0; r < n; r++) offsets[r] = (rows[r] as number) * dim;
    let k = 0;
    for (; k + 8 <= dim; k += 8) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let r = 0; r < n; r++) {
        const o = (offsets[r] as number) + k;
        s0 += v[o] as number;
        s1 += v[o + 1] as number;
        s2 += v[o + 2] as number;
        s3 += v[o + 3] as number;
        s4 += v[o + 4] as number;
        s5 += v[o + 5] as number;
        s6 += v[o + 6] as number;
        s7 += v[o + 7] as number;
      }
      out[k] = s0;
      out[k + 1] = s1;
      out[k + 2] = s2;
      out[k + 3] = s3;
      out[k + 4] = s4;
      out[k + 5] = s5;
      out[k + 6] = s6;
      out[k + 7] = s7;
    }
    for (; k < dim; k++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += v[(offsets[r] as number) + k] as number;
      out[k] = s;
    }
  }

  /** Adds `weight` times row `row` into `acc` (float64, `dim` wide). */
  addRow(row: number, acc: Float64Array, weight = 1): void {
    const off = row * this.dim;
    const v = this.values;
    const dim = this.dim;
    switch (this.kind) {
      case "F16": {
        const t = halves();
        for (let k = 0; k < dim; k++) acc[k] = (acc[k] as number) + weight * (t[v[off + k] as number] as number);
        return;
      }
      case "BF16": {
        const word = new Uint32Array(1);
        const asFloat = new Float32Array(word.buffer);
        for (let k = 0; k < dim; k++) {
          word[0] = (v[off + k] as number) << 16;
          acc[k] = (acc[k] as number) + weight * (asFloat[0] as number);
        }
        return;
      }
      default:
        for (let k = 0; k < dim; k++) acc[k] = (acc[k] as number) + weight * (v[off + k] as number);
    }
  }
}
