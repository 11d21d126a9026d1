import { ContextLengthError } from "../../errors/context-length-error.js";
import { resolvePromptLimit } from "../tokenization/pair-encoder.js";
import { truncateIds } from "../../scoring/truncation.js";
import type { ScoreOptions } from "../../types.js";
import type { EncodedSequence } from "../runtime/run-batches.js";
import type { TextTokenizer } from "../tokenization/text-tokenizer.js";
import type { ColbertSettings } from "./colbert-config.js";

/** Queries and documents are encoded differently in ColBERT. */
export type ColbertKind = "query" | "document";

/** The per-call options that shape one ColBERT encoding. */
export type ColbertTruncation = Pick<ScoreOptions, "truncate" | "maxTokensPerDoc" | "maxTokensPerQuery" | "truncatePromptTokens">;

/** An encoded ColBERT input and which positions take part in MaxSim. */
export type ColbertSequence = EncodedSequence & { keep: boolean[] };

/**
 * Encodes one text the ColBERT way (colbert-ai `QueryTokenizer`/`DocTokenizer`): `[CLS] marker
 * text [SEP]` with the text cut so the whole fits the query or document length; queries padded
 * with `[MASK]` to exactly the query length (attention 0 unless the model attends to them),
 * documents keeping only non-skiplisted tokens for scoring. With `convention: "vllm"`, the plain
 * `[CLS] text [SEP]` up to the model limit, every token kept.
 *
 * Queries and documents are separate prompts here, so `maxTokensPerQuery` / `maxTokensPerDoc`
 * cap the text tokens of each before the special tokens are added, and `truncatePromptTokens`
 * caps each whole prompt (specials, marker and [MASK] expansion included).
 *
 * @throws {ContextLengthError} when `truncate` is false and the text does not fit.
 * @throws {InvalidInputError} when `truncatePromptTokens` is out of range.
 */
export function encodeColbert(
  tokenizer: TextTokenizer,
  text: string,
  kind: ColbertKind,
  s: ColbertSettings,
  maxLength: number,
  options: ColbertTruncation = {},
): ColbertSequence {
  const cap = kind === "query" ? options.maxTokensPerQuery : options.maxTokensPerDoc;
  // With truncatePromptTokens the caller asked for truncation, so an over-long text is cut, not refused.
  const truncate = options.truncatePromptTokens === undefined ? options.truncate : true;
  // Truncating keeps at most maxLength tokens: a long text's head is enough (encodeHead). A refusal
  // (truncate: false) reports the full count, so the text is tokenized whole then.
  const encoded = truncate === false ? tokenizer.encode(text) : tokenizer.encodeHead(text, maxLength);
  const raw = cap ? truncateIds(encoded, cap) : encoded;
  const specials = tokenizer.singleSpecials;
  const promptLimit = resolvePromptLimit(maxLength, options);
  if (s.convention === "vllm") {
    if (raw.length + specials > maxLength && truncate === false) throw new ContextLengthError(maxLength, raw.length + specials);
    const { ids, typeIds } = tokenizer.single(truncateIds(raw, promptLimit - specials));
    return { ids, typeIds, keep: ids.map(() => true) };
  }
  const length = Math.min(kind === "query" ? s.queryLength : s.documentLength, promptLimit);
  const marker = kind === "query" ? s.queryMarkerId : s.documentMarkerId;
  // One position goes to the marker (when the model has one), the rest to [CLS] text [SEP].
  const markerSlots = marker === undefined ? 0 : 1;
  const budget = Math.min(length, maxLength) - markerSlots - specials;
  if (raw.length > budget && truncate === false && kind === "document") {
    throw new ContextLengthError(Math.min(length, maxLength), raw.length + specials + markerSlots);
  }
  const single = tokenizer.single(truncateIds(raw, Math.max(0, budget)));
  const ids = marker === undefined ? single.ids : [single.ids[0] as number, marker, ...single.ids.slice(1)];
  const typeIds = marker === undefined ? single.typeIds : [0, 0, ...single.typeIds.slice(1)];
  const attention = ids.map(() => 1);
  if (kind === "query" && s.expandQuery) {
    while (ids.length < length) {
      ids.push(s.maskId);
      typeIds.push(0);
      attention.push(s.attendToExpansion ? 1 : 0);
    }
    return { ids, typeIds, attention, keep: ids.map(() => true) };
  }
  const keep = ids.map((id, t) => kind === "query" || t < 1 + markerSlots || t === ids.length - 1 || !s.skiplist.has(id));
  return { ids, typeIds, attention, keep };
}
