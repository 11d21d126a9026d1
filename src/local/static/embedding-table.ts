import { ModelLoadError } from "../../errors/model-load-error.js";
import { halfToFloat, type RawTensor } from "../files/safetensors.js";

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
 * A `[rows, dim]` token embedding table kept in the dtype it was stored in (float32, float64,
 * float16, bfloat16 or int8 as model2vec quantizes): a 30522 x 768 float32 table is 94 MB, and
 * converting a float16 one up front would double it. Rows are decoded as they are added.
 */
export class EmbeddingTable {
  /** Vocabulary rows. */
  readonly rows: number;
  /** Width of a row. */
  readonly dim: number;
  private readonly kind: Kind;
  private readonly values: Float32Array | Float64Array | Uint16Array | Int8Array;

  private constructor(kind: Kind, values: EmbeddingTable["values"], rows: number, dim: number) {
    this.kind = kind;
    this.values = values;
    this.rows = rows;
    this.dim = dim;
  }

  /**
   * Wraps a tensor read by `readSafetensorRaw` without copying it.
   * @throws {ModelLoadError} for a shape that is not 2-D or a dtype other than F32, F64, F16, BF16, I8.
   */
  static fromRaw(raw: RawTensor, path: string): EmbeddingTable {
    const [rows, dim] = raw.shape;
    if (raw.shape.length !== 2 || !rows || !dim) {
      throw new ModelLoadError(`${path}: tensor ${raw.name} must be [vocab, dim], got [${raw.shape.join(", ")}]`, { path });
    }
    const buf = raw.bytes.buffer;
    const at = raw.bytes.byteOffset;
    const n = rows * dim;
    switch (raw.dtype) {
      case "F32":
        return new EmbeddingTable("F32", new Float32Array(buf, at, n), rows, dim);
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
