/**
 * Tokenizing only the head of a long text when only its first tokens are kept: a 1M-word
 * document costs seconds to tokenize whole, though a 512-token model reads its first 512 tokens.
 * @internal
 * @module
 */

/** Characters per kept token tried first: ~4 is typical, 8 leaves room for short tokens. */
const CHARS_PER_TOKEN = 8;
/** Texts up to this many characters (or `limit * CHARS_PER_TOKEN`) are tokenized whole. */
const MIN_HEAD_CHARS = 4096;
/** How much the head grows when it held too few tokens or its tokens were not yet settled. */
const GROWTH = 4;

/**
 * Ids equal to `encode(text)`'s first `limit + 1` (all of them when the text has fewer), so a
 * caller sees the same kept tokens and the same "longer than the limit" answer as with the whole
 * text. A head of `limit * 8` characters is tokenized; its first `limit + 1` tokens are taken once
 * a head twice as long gives the same ones, so a cut through a word, a run of spaces or a
 * normalizer's context cannot change them. Otherwise the head grows (x4) up to the whole text:
 * text whose tokens are few for its length (whitespace, long words a tokenizer maps to one
 * unknown token) ends up tokenized whole, as before.
 *
 * Tokenizers are local: a token depends on the text around it up to the pre-tokenizer's split
 * (whitespace, punctuation, a regex), never on text far past it. The check against the longer
 * head is what makes the result exact for a pre-tokenizer that splits rarely (one long run of
 * spaces in byte-level BPE, a Metaspace tokenizer without splitting).
 */
export function encodeHead(encode: (text: string) => number[], text: string, limit: number): number[] {
  const want = Math.max(0, Math.floor(limit)) + 1;
  let size = Math.max(MIN_HEAD_CHARS, want * CHARS_PER_TOKEN);
  while (size * 2 < text.length) {
    const head = encode(cut(text, size));
    if (head.length > want) {
      const longer = encode(cut(text, size * 2));
      if (samePrefix(head, longer, want)) return head.slice(0, want);
    }
    size *= GROWTH;
  }
  return encode(text).slice(0, want);
}

/** The first `size` UTF-16 units of `text`, never splitting a surrogate pair. */
function cut(text: string, size: number): string {
  const code = text.charCodeAt(size - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? size - 1 : size);
}

function samePrefix(a: readonly number[], b: readonly number[], n: number): boolean {
  if (a.length < n || b.length < n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
