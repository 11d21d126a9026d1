/**
 * The bytes of the static embedder's row-sum kernel: a WebAssembly module with SIMD (v128),
 * written here instruction by instruction instead of compiled from a `.wat` file, so the package
 * needs no compiler at install or build time and the source below is the only source. The module
 * imports its memory (`env.mem`, created by {@link RowSumKernel} at the table's size, so the
 * embedding table is read from disk straight into it: one copy) and exports two functions:
 *
 *     add_rows(ids, n, acc, dim)                  acc[0..dim) += table[id] for the n ids at `ids`
 *     add_rows_weighted(ids, weights, n, acc, dim) acc[0..dim) += weights[i] * table[ids[i]]
 *
 * All arguments are byte addresses or counts (i32). The table (float32) sits at address 0, row
 * `id` at `id * dim * 4`; the accumulator is float64; ids are int32, weights float32. The caller
 * checks every id against the table before calling. Per row, the columns go four at a time (two
 * f64x2 lanes pairs: load two floats, widen, add into the accumulator), then one at a time for
 * the last `dim % 4`: the same float64 operations in the same order as the JavaScript pool, so
 * the two agree bit for bit (and equal texts, or a text and its repetition, tie exactly as they
 * do in sentence-transformers).
 *
 * @module
 */

// Value types and instruction opcodes (WebAssembly core spec 1.0 + the fixed-width SIMD proposal).
const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;
const BLOCK = 0x02;
const LOOP = 0x03;
const VOID = 0x40;
const END = 0x0b;
const BR_IF = 0x0d;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_LOAD = 0x28;
const F32_LOAD = 0x2a;
const F64_LOAD = 0x2b;
const F64_STORE = 0x39;
const I32_CONST = 0x41;
const I32_LT_U = 0x49;
const I32_GT_U = 0x4b;
const I32_LE_U = 0x4d;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_SHL = 0x74;
const F64_ADD = 0xa0;
const F64_MUL = 0xa2;
const F64_PROMOTE_F32 = 0xbb;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00];
const V128_STORE = [SIMD, 0x0b];
const F64X2_SPLAT = [SIMD, 0x14];
const V128_LOAD64_ZERO = [SIMD, 0x5d];
const F64X2_PROMOTE_LOW_F32X4 = [SIMD, 0x5f];
const F64X2_ADD = [SIMD, 0xf0, 0x01]; // 240 as unsigned LEB128
const F64X2_MUL = [SIMD, 0xf2, 0x01]; // 242

/** Unsigned LEB128, as every count, index and length in the binary format is written. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

/** Signed LEB128, as `i32.const` immediates are written. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const get = (local: number) => [LOCAL_GET, local];
const set = (local: number) => [LOCAL_SET, local];
const tee = (local: number) => [LOCAL_TEE, local];
const i32 = (value: number) => [I32_CONST, ...sleb(value)];
/** A load or store's memarg: log2 of the alignment hint, then the constant offset added to the address. */
const mem = (alignLog2: number, offset = 0) => [alignLog2, ...uleb(offset)];

/**
 * The body of `add_rows` (weighted false) or `add_rows_weighted` (true): one template, so the two
 * differ only where the weight enters. Column-blocked: for each block of columns the running sums
 * stay in registers (v128 locals) while every row of the call is added, and are stored once, so
 * the accumulator is read and written once per call instead of once per row. Blocks of 16
 * columns (eight f64x2 pairs), then of 4 (two pairs), then single columns for the last `dim % 4`.
 * The sums are float64, as the JavaScript pool's, and each column adds the rows in call order, so
 * both give the same bits: float32 lanes are widened two at a time (`v128.load64_zero`,
 * `f64x2.promote_low_f32x4`).
 */
function addRowsBody(weighted: boolean): number[] {
  const IDS = 0;
  const WEIGHTS = 1; // weighted only
  const p = weighted ? 1 : 0;
  const N = 1 + p;
  const ACC = 2 + p;
  const DIM = 3 + p;
  const END_IDS = 4 + p; // address past the last id
  const ROW_BYTES = 5 + p; // dim * 4
  const COL = 6 + p; // byte offset of the block's first column in a row (4 per column)
  const AC = 7 + p; // its address in the accumulator (8 per column)
  const P = 8 + p; // the current id's address
  const R = 9 + p; // the current row's address + COL
  const WP = 10 + p; // the current weight's address (weighted only; unused otherwise)
  const S = 11 + p; // f64: one column's sum
  const WV = 12 + p; // v128: the row's weight in both lanes (weighted only)
  const A = 13 + p; // v128 x 8: the block's sums, two columns each
  const locals = [[7, I32], [1, F64], [9, V128]];
  const rowWeight = weighted ? [...get(WP), F32_LOAD, ...mem(2), F64_PROMOTE_F32, ...F64X2_SPLAT, ...set(WV)] : [];
  const nextRow = [
    ...(weighted ? [...get(WP), ...i32(4), I32_ADD, ...set(WP)] : []),
    ...get(P), ...i32(4), I32_ADD, ...tee(P), ...get(END_IDS), I32_LT_U, BR_IF, 0,
  ];
  const firstRow = [...get(IDS), ...set(P), ...(weighted ? [...get(WEIGHTS), ...set(WP)] : [])];
  const rowAddress = [...get(P), I32_LOAD, ...mem(2), ...get(ROW_BYTES), I32_MUL, ...get(COL), I32_ADD, ...set(R)];
  const pairs = (count: number) => Array.from({ length: count }, (_, j) => j);
  // while (col + width <= rowBytes) { body; col += width; ac += 2 * width }
  const blocks = (width: number, body: number[]) => [
    BLOCK, VOID,
    ...get(COL), ...i32(width), I32_ADD, ...get(ROW_BYTES), I32_GT_U, BR_IF, 0,
    LOOP, VOID,
    ...body,
    ...get(AC), ...i32(2 * width), I32_ADD, ...set(AC),
    ...get(COL), ...i32(width), I32_ADD, ...tee(COL), ...i32(width), I32_ADD, ...get(ROW_BYTES), I32_LE_U, BR_IF, 0,
    END,
    END,
  ];
  // A block of `count` f64x2 pairs (2 * count columns): load the sums, add every row, store them.
  const vectorBlock = (count: number) => [
    ...pairs(count).flatMap((j) => [...get(AC), ...V128_LOAD, ...mem(3, 16 * j), ...set(A + j)]),
    ...firstRow,
    LOOP, VOID,
    ...rowAddress,
    ...rowWeight,
    ...pairs(count).flatMap((j) => [
      ...get(A + j),
      ...get(R), ...V128_LOAD64_ZERO, ...mem(2, 8 * j), ...F64X2_PROMOTE_LOW_F32X4,
      ...(weighted ? [...get(WV), ...F64X2_MUL] : []),
      ...F64X2_ADD, ...set(A + j),
    ]),
    ...nextRow,
    END,
    ...pairs(count).flatMap((j) => [...get(AC), ...get(A + j), ...V128_STORE, ...mem(3, 16 * j)]),
  ];
  const scalarBlock = [
    ...get(AC), F64_LOAD, ...mem(3), ...set(S),
    ...firstRow,
    LOOP, VOID,
    ...rowAddress,
    ...get(S),
    ...get(R), F32_LOAD, ...mem(2), F64_PROMOTE_F32,
    ...(weighted ? [...get(WP), F32_LOAD, ...mem(2), F64_PROMOTE_F32, F64_MUL] : []),
    F64_ADD, ...set(S),
    ...nextRow,
    END,
    ...get(AC), ...get(S), F64_STORE, ...mem(3),
  ];
  const code = [
    ...get(DIM), ...i32(2), I32_SHL, ...set(ROW_BYTES),
    ...get(IDS), ...get(N), ...i32(2), I32_SHL, I32_ADD, ...set(END_IDS),
    BLOCK, VOID,
    ...get(IDS), ...get(END_IDS), I32_GE_U, BR_IF, 0, // no rows: nothing to add
    ...i32(0), ...set(COL),
    ...get(ACC), ...set(AC),
    ...blocks(64, vectorBlock(8)),
    ...blocks(16, vectorBlock(2)),
    ...blocks(4, scalarBlock),
    END,
    END,
  ];
  const body = [...uleb(locals.length), ...locals.flatMap(([count, type]) => [...uleb(count as number), type as number]), ...code];
  return [...uleb(body.length), ...body];
}

const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (text: string) => [...uleb(text.length), ...[...text].map((c) => c.charCodeAt(0))];

/** Names of the kernel's exports, in function index order. */
export const ROW_SUM_EXPORTS = ["add_rows", "add_rows_weighted"] as const;

/**
 * The kernel module's bytes for a memory of `pages` 64 KiB pages (imported with that minimum and
 * maximum: it never grows, so views on it stay valid).
 */
export function rowSumModuleBytes(pages: number): Uint8Array {
  const types = section(1, vector([
    [0x60, ...vector([[I32], [I32], [I32], [I32]]), 0], // (ids, n, acc, dim) -> ()
    [0x60, ...vector([[I32], [I32], [I32], [I32], [I32]]), 0], // (ids, weights, n, acc, dim) -> ()
  ]));
  const imports = section(2, vector([[...name("env"), ...name("mem"), 0x02, 0x01, ...uleb(pages), ...uleb(pages)]]));
  const functions = section(3, vector([[0], [1]]));
  const exports = section(7, vector(ROW_SUM_EXPORTS.map((n, i) => [...name(n), 0x00, i])));
  const code = section(10, vector([addRowsBody(false), addRowsBody(true)]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...functions, ...exports, ...code]);
}
