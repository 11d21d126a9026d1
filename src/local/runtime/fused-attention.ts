/**
 * Recognizes decoder graphs whose attention is fused into ONNX Runtime's
 * `com.microsoft.GroupQueryAttention` (onnx-community's Qwen3 files, the onnxruntime-genai model
 * builder, `onnxruntime.transformers`' `replace_mha_with_gqa`), and the rules such graphs impose.
 *
 * Those graphs derive GQA's `seqlens_k` (attended tokens per row, minus one) and
 * `total_sequence_length` (the mask's width) from `attention_mask`, and the kernel assumes each
 * row's tokens start at position 0 of the new tokens: measured with onnxruntime 1.30 on the
 * fixtures of scripts/reference/gqa_decoders.py, a right-padded batch matches every sequence run
 * alone exactly, a left-padded one is off by up to 0.8 in a reranker logit, and a batch of more
 * than one row with a past cache and more than one new token is refused by the kernel ("batch_size
 * must be 1 when sequence_length > 1 and past context is given"). So these graphs are padded on
 * the right, and a cached prefix is continued one row at a time.
 * @module
 */
import { open } from "node:fs/promises";

/** Attention layouts whose batching rules differ. */
export type AttentionKind = "unfused" | "group-query";

const OP = "GroupQueryAttention";
/** NodeProto.op_type (field 4, length-delimited) holding the op's name: the node itself, not a mention of it. */
const NEEDLE = Buffer.from([0x22, OP.length, ...Buffer.from(OP, "latin1")]);
const CHUNK = 8 << 20;

/**
 * Which attention the ONNX model uses: `group-query` when any node (also inside an `If` branch
 * of a merged decoder) is a `GroupQueryAttention`. Scans the serialized bytes, or the file in
 * 8 MiB chunks, without parsing the weights.
 */
export async function attentionKind(model: Uint8Array | string): Promise<AttentionKind> {
  if (typeof model !== "string") return hasGroupQueryAttention(model) ? "group-query" : "unfused";
  const file = await open(model, "r");
  try {
    const buffer = Buffer.alloc(CHUNK + NEEDLE.length);
    let kept = 0;
    let position = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, kept, CHUNK, position);
      if (bytesRead === 0) return "unfused";
      position += bytesRead;
      const end = kept + bytesRead;
      if (buffer.subarray(0, end).includes(NEEDLE)) return "group-query";
      // Keep the tail, so a needle split across two reads is still found.
      kept = Math.min(NEEDLE.length - 1, end);
      buffer.copy(buffer, 0, end - kept, end);
    }
  } finally {
    await file.close();
  }
}

/** True when a serialized ONNX model has a `GroupQueryAttention` node (also inside an `If` branch). */
export function hasGroupQueryAttention(model: Uint8Array): boolean {
  return Buffer.from(model.buffer, model.byteOffset, model.byteLength).includes(NEEDLE);
}
