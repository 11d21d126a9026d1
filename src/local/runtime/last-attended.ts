/**
 * The score head read at each row's last attended position, whichever side the batch is padded
 * on: what the LM-head rewrite appends for graphs whose batches pad on the right
 * (GroupQueryAttention, see fused-attention.ts), where the last column is padding for every row
 * but the longest.
 * @module
 */
import { ElemType, encodeTensor, type NodeSpec } from "./onnx-writer.js";

/**
 * Nodes computing `output[b, 0] = (hidden[b, t_b] . row)` with `t_b` the last position whose
 * `attention_mask` is 1, counted in the new tokens: `argmax_t(mask[b, t] * (t + 1))` minus the
 * past length (the mask's width minus the hidden state's length). The row is applied at every
 * position first (one column: cheap), then one value per row is gathered.
 * @param p name prefix of the added nodes and initializers
 * @param hidden the head's input, `[batch, seq, k]`
 * @param hiddenType its element type (cast to float32 when it is not)
 * @param row the `[k, 1]` float32 combined head row
 */
export function lastAttendedScore(p: string, hidden: string, hiddenType: number, row: string, output: string): { nodes: NodeSpec[]; initializers: Uint8Array[] } {
  const int64 = (v: bigint[]) => new Uint8Array(BigInt64Array.from(v).buffer);
  const nodes: NodeSpec[] = [];
  const node = (op: string, inputs: string[], out: string, attrs?: NodeSpec["attrs"]) => {
    nodes.push({ op, inputs, outputs: [out], name: `${p}/${op}_${nodes.length}`, ...(attrs && { attrs }) });
    return out;
  };
  let h = hidden;
  if (hiddenType !== ElemType.FLOAT) h = node("Cast", [hidden], `${p}/hidden_f32`, { to: ElemType.FLOAT });
  const perPosition = node("MatMul", [h, row], `${p}/per_position`);
  const scores = node("Reshape", [perPosition, `${p}/batch_by_seq`], `${p}/scores`);
  const total = node("Gather", [node("Shape", ["attention_mask"], `${p}/mask_shape`), `${p}/one`], `${p}/total`, { axis: 0 });
  const seq = node("Gather", [node("Shape", [h], `${p}/hidden_shape`), `${p}/one`], `${p}/seq`, { axis: 0 });
  const past = node("Sub", [total, seq], `${p}/past`);
  const ranks = node("Cast", [node("Range", [`${p}/one`, node("Add", [total, `${p}/one`], `${p}/limit`), `${p}/one`], `${p}/ranks_i64`)], `${p}/ranks`, { to: ElemType.FLOAT });
  const weighted = node("Mul", [node("Cast", ["attention_mask"], `${p}/mask_f32`, { to: ElemType.FLOAT }), ranks], `${p}/weighted`);
  const last = node("Sub", [node("ArgMax", [weighted], `${p}/last_in_mask`, { axis: 1, keepdims: 1 }), past], `${p}/last_index`);
  node("GatherElements", [scores, last], output, { axis: 1 });
  return {
    nodes,
    initializers: [encodeTensor(`${p}/one`, [], ElemType.INT64, int64([1n])), encodeTensor(`${p}/batch_by_seq`, [2], ElemType.INT64, int64([0n, -1n]))],
  };
}
