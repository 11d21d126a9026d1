import type { Tokenizer } from "@huggingface/tokenizers";

type Json = Record<string, unknown>;

/** Normalizers that map each character on its own, so a space stays a boundary nothing crosses. */
const PER_CHARACTER_NORMALIZERS = new Set(["BertNormalizer", "Lowercase", "NFD", "NFKD", "NFC", "NFKC", "StripAccents"]);
/** Pre-tokenizers that split on white space and drop it. */
const WHITE_SPACE_SPLITTERS = new Set(["BertPreTokenizer", "Whitespace", "WhitespaceSplit"]);
/** Pre-tokenizers that only split inside a word (never join across a space), allowed after or before a splitter. */
const IN_WORD_SPLITTERS = new Set(["Punctuation", "Digits"]);

/** Most words kept; a 30k-word cache of short words holds a few MB. */
export const DEFAULT_WORD_CACHE_ENTRIES = 32_768;
/** Longer space-separated chunks (a URL, a text without spaces) are tokenized each time, never cached. */
const MAX_CACHED_WORD_LENGTH = 64;

/**
 * True when encoding a text gives the same ids as encoding each of its space-separated chunks
 * alone and concatenating: the normalizer works character by character, the pre-tokenizer splits
 * on white space and drops it, and no added token spans a space or strips the space beside it
 * (lstrip / rstrip trim JavaScript white space, which a chunk no longer has at its edge). BERT-style
 * tokenizers qualify; byte-level BPE and Metaspace ones (where the space belongs to the next token)
 * do not, and keep the whole-text path.
 */
export function splitsOnSpaces(tokenizerJson: Json): boolean {
  const normalizer = tokenizerJson["normalizer"] as Json | null | undefined;
  const pre = tokenizerJson["pre_tokenizer"] as Json | null | undefined;
  const added = (tokenizerJson["added_tokens"] as Json[] | undefined) ?? [];
  const normalizers = normalizer ? members(normalizer, "normalizers") : [];
  const pres = pre ? members(pre, "pretokenizers") : [];
  if (!normalizers.every((type) => PER_CHARACTER_NORMALIZERS.has(type))) return false;
  if (!pres.some((type) => WHITE_SPACE_SPLITTERS.has(type))) return false;
  if (!pres.every((type) => WHITE_SPACE_SPLITTERS.has(type) || IN_WORD_SPLITTERS.has(type))) return false;
  return added.every((t) => !/\s/u.test(String(t["content"] ?? "")) && t["lstrip"] !== true && t["rstrip"] !== true);
}

/** The component types of a normalizer or pre-tokenizer, flattening `Sequence`s. */
function members(node: Json, key: string): string[] {
  if (node["type"] !== "Sequence") return [String(node["type"])];
  return ((node[key] as Json[] | undefined) ?? []).flatMap((child) => members(child, key));
}

/**
 * Token ids of a text with a bounded word -> ids cache, for tokenizers where {@link splitsOnSpaces}
 * holds: a static model only bags ids, and running text repeats its words, so most words cost one
 * map lookup instead of normalizing, pre-tokenizing, WordPiece and building token strings again.
 * Each chunk missing from the cache is encoded by the tokenizer itself, so the ids are the ones the
 * whole-text encoding gives. The cache is first-in first-out, capped at `maxEntries` words of at
 * most 64 UTF-16 units each, so its memory stays bounded however much text goes through.
 */
export class WordIdCache {
  private readonly words = new Map<string, readonly number[]>();

  constructor(
    private readonly tokenizer: Tokenizer,
    readonly maxEntries = DEFAULT_WORD_CACHE_ENTRIES,
  ) {}

  /** Words held now (at most `maxEntries`). */
  get size(): number {
    return this.words.size;
  }

  /** The ids of `text` without special tokens, as `tokenizer.encode(text).ids` gives them. */
  encode(text: string): number[] {
    const out: number[] = [];
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf(" ", start);
      if (end < 0) end = text.length;
      if (end > start) {
        const ids = this.word(text.slice(start, end));
        for (let i = 0; i < ids.length; i++) out.push(ids[i] as number);
      }
      start = end + 1;
    }
    return out;
  }

  private word(chunk: string): readonly number[] {
    const hit = this.words.get(chunk);
    if (hit) return hit;
    const ids: number[] = this.tokenizer.encode(chunk, { add_special_tokens: false }).ids;
    if (chunk.length <= MAX_CACHED_WORD_LENGTH && this.maxEntries > 0) {
      if (this.words.size >= this.maxEntries) this.words.delete(this.words.keys().next().value as string);
      this.words.set(chunk, ids);
    }
    return ids;
  }
}
