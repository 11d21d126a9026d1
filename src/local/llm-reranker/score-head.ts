import { ModelLoadError } from "../../errors/model-load-error.js";
import type { TokenChoice } from "./hf-overrides.js";

/**
 * The classifier an LLM reranker computes from its next-token logits at the last position:
 * `sum(coefficient * logit[tokenId])`. `[yes:+1, no:-1]` is vLLM's `from_2_way_softmax`
 * (sigmoid of it is softmax([no, yes])[1]); `[Yes:+1]` is `no_post_processing`.
 */
export interface ScoreHeadSpec {
  rows: Array<{ tokenId: number; coefficient: number }>;
  /** Human-readable origin, e.g. `hf_overrides ["no","yes"] from_2_way_softmax`. */
  description: string;
}

/**
 * Builds the head from token strings, as vLLM does (`tokenizer.convert_tokens_to_ids`).
 * @throws {ModelLoadError} naming a token the vocabulary lacks.
 */
export function headFromTokens(choice: TokenChoice, tokenToId: (t: string) => number | undefined, path: string): ScoreHeadSpec {
  const ids = choice.tokens.map((t) => {
    const id = tokenToId(t);
    if (id === undefined) throw new ModelLoadError(`${path}: the vocabulary has no token ${JSON.stringify(t)}`, { path });
    return id;
  });
  const description = `${JSON.stringify(choice.tokens)} ${choice.method}`;
  if (choice.method === "from_2_way_softmax") {
    const [falseId, trueId] = ids as [number, number];
    return { rows: [{ tokenId: trueId, coefficient: 1 }, { tokenId: falseId, coefficient: -1 }], description };
  }
  return { rows: [{ tokenId: ids[0] as number, coefficient: 1 }], description };
}

/** The head of sentence-transformers' LogitScore module (`true_token_id`, optional `false_token_id`). */
export function headFromLogitScore(config: Record<string, unknown>, path: string): ScoreHeadSpec {
  const t = config["true_token_id"];
  const f = config["false_token_id"];
  if (typeof t !== "number" || !Number.isInteger(t)) {
    throw new ModelLoadError(`${path}: LogitScore config has no integer true_token_id`, { path });
  }
  if (f !== undefined && f !== null && (typeof f !== "number" || !Number.isInteger(f))) {
    throw new ModelLoadError(`${path}: LogitScore false_token_id must be an integer or null`, { path });
  }
  const rows = [{ tokenId: t, coefficient: 1 }];
  if (typeof f === "number") rows.push({ tokenId: f, coefficient: -1 });
  return { rows, description: `LogitScore true=${t}${typeof f === "number" ? ` false=${f}` : ""}` };
}

/** The score from one row of LM logits (`logits[tokenId]` read at the given offset). */
export function scoreFromLogits(head: ScoreHeadSpec, logits: Float32Array, offset: number): number {
  let s = 0;
  for (const { tokenId, coefficient } of head.rows) s += coefficient * (logits[offset + tokenId] as number);
  return s;
}
