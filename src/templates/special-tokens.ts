/** The named special tokens transformers' tokenizers pass to every template (`special_tokens_map`). */
const SPECIAL_TOKEN_NAMES = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"] as const;

/**
 * The tokenizer's special tokens as transformers passes them to chat and score templates: each
 * named token tokenizer_config.json sets, as its text. Older configs store a token as an
 * `AddedToken` object (`{"__type": "AddedToken", "content": "<s>", ...}`), which counts by its
 * `content`; a token set to null (Llama's `pad_token`) stays out, so the template sees it undefined.
 */
export function specialTokens(tokenizerConfig: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of SPECIAL_TOKEN_NAMES) {
    const v = tokenizerConfig[key];
    const s = typeof v === "string" ? v : (v as { content?: unknown } | null | undefined)?.content;
    if (typeof s === "string") out[key] = s;
  }
  return out;
}
