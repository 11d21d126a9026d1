import { ROW_SUM_EXPORTS, rowSumModuleBytes } from "./row-sum-wasm.js";

/** Ids (and weights) handed to the kernel per call; a longer text goes in several calls into one accumulator. */
export const ROW_SUM_CHUNK = 4096;

const PAGE = 65536;
/** wasm32 addresses 4 GiB at most; a table past that (over a billion floats) keeps the JavaScript pool. */
const MAX_PAGES = 65536;
const align16 = (n: number) => Math.ceil(n / 16) * 16;

/**
 * The part of the WebAssembly JS API used here, typed locally: the project's `lib` (ES2023, no DOM)
 * declares none of it, and under `node --jitless` the global is absent altogether.
 */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
}

type AddRows = (ids: number, n: number, acc: number, dim: number) => void;
type AddRowsWeighted = (ids: number, weights: number, n: number, acc: number, dim: number) => void;

/**
 * A float32 embedding table held in WebAssembly memory with the SIMD row-sum kernel of
 * row-sum-wasm.ts over it. The memory is laid out once, at the table's size, and never grows:
 *
 *     [table: rows x dim float32][accumulator: dim float64][ids: ROW_SUM_CHUNK int32][weights: ROW_SUM_CHUNK float32]
 *
 * so {@link table} is the only copy of the table (the loader reads the file into {@link tableBytes})
 * and every view stays valid. Ids are not checked here: the caller checks them against the table
 * before {@link run}, since the kernel reads wherever an id points.
 */
export class RowSumKernel {
  /** The table's bytes in the kernel's memory, for the loader to fill. */
  readonly tableBytes: Uint8Array;
  /** The table as float32, row-major. */
  readonly table: Float32Array;
  /** The running sum (float64), `dim` wide; zeroed by {@link clear}. */
  readonly acc: Float64Array;
  /** Where the caller writes the table rows of the next {@link run}. */
  readonly ids: Int32Array;
  /** Where the caller writes their weights, for a weighted {@link run}. */
  readonly weights: Float32Array;
  private readonly at: { acc: number; ids: number; weights: number };
  private readonly addRows: AddRows;
  private readonly addRowsWeighted: AddRowsWeighted;
  private readonly dim: number;

  private constructor(memory: { readonly buffer: ArrayBuffer }, exports: Record<string, unknown>, rows: number, dim: number, at: RowSumKernel["at"]) {
    const buf = memory.buffer;
    this.dim = dim;
    this.at = at;
    this.tableBytes = new Uint8Array(buf, 0, rows * dim * 4);
    this.table = new Float32Array(buf, 0, rows * dim);
    this.acc = new Float64Array(buf, at.acc, dim);
    this.ids = new Int32Array(buf, at.ids, ROW_SUM_CHUNK);
    this.weights = new Float32Array(buf, at.weights, ROW_SUM_CHUNK);
    this.addRows = exports[ROW_SUM_EXPORTS[0]] as AddRows;
    this.addRowsWeighted = exports[ROW_SUM_EXPORTS[1]] as AddRowsWeighted;
  }

  /**
   * A kernel for a `rows` x `dim` float32 table, or undefined where it cannot run: no
   * WebAssembly (`node --jitless`), no WebAssembly SIMD, a table beyond 4 GiB, or a memory the
   * engine refuses to allocate. The caller then keeps the table in a plain buffer and pools in
   * JavaScript.
   */
  static create(rows: number, dim: number): RowSumKernel | undefined {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!wasm) return undefined;
    const acc = align16(rows * dim * 4);
    const ids = acc + align16(dim * 8);
    const weights = ids + ROW_SUM_CHUNK * 4;
    const pages = Math.ceil((weights + ROW_SUM_CHUNK * 4) / PAGE);
    if (pages > MAX_PAGES) return undefined;
    const bytes = rowSumModuleBytes(pages);
    // validate() is false where the engine lacks SIMD (the only proposal the module uses).
    if (!wasm.validate(bytes)) return undefined;
    let memory: InstanceType<WasmApi["Memory"]>;
    try {
      memory = new wasm.Memory({ initial: pages, maximum: pages });
    } catch {
      // RangeError: the engine's limit or the machine's memory; the JavaScript pool needs the
      // same bytes, so the caller's own allocation decides whether the model loads at all.
      return undefined;
    }
    const instance = new wasm.Instance(new wasm.Module(bytes), { env: { mem: memory } });
    return new RowSumKernel(memory, instance.exports, rows, dim, { acc, ids, weights });
  }

  /** Zeroes the accumulator before a text's first {@link run}. */
  clear(): void {
    this.acc.fill(0);
  }

  /**
   * Adds the rows whose ids are in `ids[0..n)` (times `weights[0..n)` when `weighted`) into the
   * accumulator; `n <= ROW_SUM_CHUNK`. Every id must already be checked to lie in the table.
   */
  run(n: number, weighted: boolean): void {
    if (weighted) this.addRowsWeighted(this.at.ids, this.at.weights, n, this.at.acc, this.dim);
    else this.addRows(this.at.ids, n, this.at.acc, this.dim);
  }
}
