/**
 * The protobuf wire format, as far as ONNX files need it: a message split into fields, each kept
 * with its original bytes so a rewrite can re-emit what it leaves alone.
 * @module
 */

/** One protobuf field: number, wire type, the varint value or the payload, and its full bytes. */
export interface ProtoField {
  field: number;
  wire: number;
  /** Varint value (wire type 0). */
  value: number;
  /** Payload of a length-delimited field (wire type 2), or the fixed bytes (wire types 1, 5). */
  data: Uint8Array;
  /** The whole field as encoded (tag included), for re-emitting it unchanged. */
  raw: Uint8Array;
}

/** Splits an encoded message into its fields. Varints above 2^53 lose precision (never sizes). */
export function readFields(buf: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  const varint = (): number => {
    const [value, next] = readVarint(buf, pos);
    pos = next;
    return value;
  };
  while (pos < buf.length) {
    const start = pos;
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let value = 0;
    let data: Uint8Array = EMPTY;
    if (wire === 0) value = varint();
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      data = buf.subarray(pos, pos + n);
      pos += n;
    } else if (wire === 2) {
      const n = varint();
      data = buf.subarray(pos, pos + n);
      pos += n;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (pos > buf.length) throw new Error("truncated protobuf field");
    out.push({ field, wire, value, data, raw: buf.subarray(start, pos) });
  }
  return out;
}

const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder();

/** A string field's value (UTF-8). */
export function text(f: ProtoField): string {
  return decoder.decode(f.data);
}

/** The values of a packed repeated varint field. */
export function readPackedVarints(buf: Uint8Array): number[] {
  const out: number[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const [value, next] = readVarint(buf, pos);
    out.push(value);
    pos = next;
  }
  return out;
}

/**
 * One varint at `pos`: its value and the position after it. Up to 7 bytes (49 bits) are summed
 * as numbers; longer ones are int64 values read as two's complement, so a negative dim, axis or
 * shape element (-1 takes 10 bytes) arrives exact instead of rounded to 2^64.
 */
function readVarint(buf: Uint8Array, start: number): [number, number] {
  let pos = start;
  let result = 0;
  let mul = 1;
  for (let n = 0; n < 7; n++) {
    if (pos >= buf.length) throw new Error("truncated protobuf varint");
    const b = buf[pos++] as number;
    result += (b & 0x7f) * mul;
    if (b < 0x80) return [result, pos];
    mul *= 128;
  }
  let big = BigInt(result);
  for (let shift = 49n; ; shift += 7n) {
    if (pos >= buf.length) throw new Error("truncated protobuf varint");
    const b = buf[pos++] as number;
    big |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  return [Number(BigInt.asIntN(64, big)), pos];
}
