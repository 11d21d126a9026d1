/**
 * An independent naive BERT forward pass in float64 for one sequence:
 * straightforward loops over tokens, heads and features, mirroring Hugging
 * Face `BertModel` / `BertForSequenceClassification` step by step.
 */
import type { BertWeights } from "../fixtures/bert/weights.js";
import { addVec, affine, gelu, layerNorm, softmax } from "./math.js";
import { refProject } from "./pooling.js";

/** One tokenized sequence (batch of one). */
export interface ReferenceInput {
  inputIds: readonly number[];
  /** Defaults to all zeros (as HF does when the model takes no token types). */
  tokenTypeIds?: readonly number[];
  /** Defaults to all ones. */
  attentionMask?: readonly number[];
}

/** Reference outputs for one sequence. */
export interface ReferenceOutput {
  /** Encoder output per token, `[S][H]`. */
  lastHiddenState: number[][];
  /** Cross-encoder raw logit (seqcls head only; the first label's with several labels). */
  logits?: number;
  /** Cross-encoder raw logits of every label (seqcls head only). */
  labelLogits?: number[];
  /** ColBERT: projected token vectors `[S][dim]` (not normalized), whichever layout. */
  projected?: number[][];
  /** What the ONNX graph's single output holds for this row: `[[logit]]`, or per-token vectors. */
  graphOutput: number[][];
}

function row(table: Float32Array, index: number, width: number): number[] {
  return Array.from(table.subarray(index * width, (index + 1) * width));
}

function embed(w: BertWeights, input: ReferenceInput): number[][] {
  const { hiddenSize: H, vocabSize, typeVocabSize, layerNormEps } = w.shape;
  return input.inputIds.map((id, pos) => {
    if (id < 0 || id >= vocabSize) throw new RangeError(`token id ${id} out of range`);
    const type = input.tokenTypeIds?.[pos] ?? 0;
    if (type >= typeVocabSize) throw new RangeError(`token type ${type} out of range`);
    const sum = addVec(addVec(row(w.wordEmbeddings, id, H), row(w.tokenTypeEmbeddings, type, H)), row(w.positionEmbeddings, pos, H));
    return layerNorm(sum, w.embeddingLayerNorm.gamma, w.embeddingLayerNorm.beta, layerNormEps);
  });
}

function attention(w: BertWeights, l: number, x: number[][], mask: readonly number[]): number[][] {
  const layer = w.layers[l]!;
  const { hiddenSize: H, numHeads } = w.shape;
  const dh = H / numHeads;
  const q = x.map((t) => affine(t, layer.query.w, layer.query.b, H));
  const k = x.map((t) => affine(t, layer.key.w, layer.key.b, H));
  const v = x.map((t) => affine(t, layer.value.w, layer.value.b, H));
  const S = x.length;
  const context = x.map(() => new Array<number>(H).fill(0));
  for (let h = 0; h < numHeads; h++) {
    for (let i = 0; i < S; i++) {
      const scores: number[] = [];
      for (let j = 0; j < S; j++) {
        let dot = 0;
        for (let d = 0; d < dh; d++) dot += q[i]![h * dh + d]! * k[j]![h * dh + d]!;
        scores.push(dot / Math.sqrt(dh) + (1 - mask[j]!) * -10000);
      }
      const p = softmax(scores);
      for (let j = 0; j < S; j++) for (let d = 0; d < dh; d++) context[i]![h * dh + d]! += p[j]! * v[j]![h * dh + d]!;
    }
  }
  const out = layer.attentionOutput;
  return context.map((c, i) => layerNorm(addVec(affine(c, out.w, out.b, H), x[i]!), layer.attentionLayerNorm.gamma, layer.attentionLayerNorm.beta, w.shape.layerNormEps));
}

function feedForward(w: BertWeights, l: number, x: number[][]): number[][] {
  const layer = w.layers[l]!;
  const { hiddenSize: H, intermediateSize: I, layerNormEps } = w.shape;
  return x.map((t) => {
    const inner = affine(t, layer.intermediate.w, layer.intermediate.b, I).map(gelu);
    const out = addVec(affine(inner, layer.output.w, layer.output.b, H), t);
    return layerNorm(out, layer.outputLayerNorm.gamma, layer.outputLayerNorm.beta, layerNormEps);
  });
}

/** Runs the model described by `weights` on one sequence, in float64. */
export function referenceForward(weights: BertWeights, input: ReferenceInput): ReferenceOutput {
  const S = input.inputIds.length;
  const mask = input.attentionMask ?? new Array<number>(S).fill(1);
  let x = embed(weights, input);
  for (let l = 0; l < weights.layers.length; l++) x = feedForward(weights, l, attention(weights, l, x, mask));
  const result: ReferenceOutput = { lastHiddenState: x, graphOutput: x };
  const H = weights.shape.hiddenSize;
  if (weights.head === "seqcls") {
    const pooler = weights.pooler!;
    const classifier = weights.classifier!;
    const pooled = affine(x[0]!, pooler.w, pooler.b, H).map(Math.tanh);
    result.labelLogits = affine(pooled, classifier.w, classifier.b, classifier.outFeatures);
    result.logits = result.labelLogits[0]!;
    result.graphOutput = [result.labelLogits];
  } else if (weights.head === "colbert") {
    result.projected = x.map((t) => refProject(weights.projection!, t));
    if (weights.projectionInGraph) result.graphOutput = result.projected;
  }
  return result;
}
