/**
 * A SentencePiece `precompiled_charsmap` (the Precompiled normalizer of XLM-R, bge-m3,
 * multilingual-e5, T5 ...): a darts-clone double-array trie over UTF-8 bytes whose values point into
 * a blob of NUL-terminated replacements, applied as the Rust `tokenizers` does.
 */
export class Charsmap {
  private static readonly byCharsmap = new Map<string, Charsmap>();

  /** The charsmap of a base64 `precompiled_charsmap`, parsed once per distinct value. */
  static of(base64: string): Charsmap {
    let map = Charsmap.byCharsmap.get(base64);
    if (!map) {
      const blob = Buffer.from(base64, "base64");
      const trieBytes = blob.readUInt32LE(0);
      const trie = new Uint32Array(trieBytes / 4);
      for (let i = 0; i < trie.length; i++) trie[i] = blob.readUInt32LE(4 + i * 4);
      map = new Charsmap(trie, blob.subarray(4 + trieBytes));
      Charsmap.byCharsmap.set(base64, map);
    }
    return map;
  }

  private readonly cache = new Map<string, string>();
  private readonly segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

  private constructor(
    private readonly trie: Uint32Array,
    private readonly normalized: Buffer,
  ) {}

  /** The replacement of the shortest key that prefixes `chunk`, or undefined. */
  private transform(chunk: string): string | undefined {
    const bytes = Buffer.from(chunk, "utf8");
    const trie = this.trie;
    if (trie.length === 0) return undefined;
    let pos = offset(trie[0] as number);
    for (const byte of bytes) {
      if (byte === 0) break;
      pos ^= byte;
      const unit = trie[pos];
      if (unit === undefined || label(unit) !== byte) return undefined;
      pos ^= offset(unit);
      if ((unit >>> 8) & 1) {
        const start = ((trie[pos] as number) & 0x7fffffff) >>> 0;
        const end = this.normalized.indexOf(0, start);
        return this.normalized.toString("utf8", start, end === -1 ? this.normalized.length : end);
      }
    }
    return undefined;
  }

  /**
   * Whole graphemes shorter than 6 UTF-8 bytes are looked up first, then each character alone,
   * as the Rust normalizer (spm_precompiled) does.
   */
  normalize(text: string): string {
    if (!this.asciiIdentity) return this.normalizeGraphemes(text);
    // Segmenting every grapheme is slow; a code point that cannot join a neighbour is a grapheme by
    // itself, so only spans around joining characters go through the segmenter.
    return text.replace(JOINED_OR_NON_ASCII, (span) => {
      if (span.length === 1 || (span.length === 2 && (span.codePointAt(0) as number) > 0xffff)) return this.normalizeChar(span);
      return this.normalizeGraphemes(span);
    });
  }

  /** True when no printable ASCII character has a charsmap entry (then it is copied as is). */
  private get asciiIdentity(): boolean {
    if (this.asciiChecked === undefined) {
      this.asciiChecked = true;
      for (let c = 0x20; c <= 0x7e; c++) if (this.transform(String.fromCharCode(c)) !== undefined) this.asciiChecked = false;
    }
    return this.asciiChecked;
  }

  private asciiChecked: boolean | undefined;

  private normalizeChar(c: string): string {
    let done = this.cache.get(c);
    if (done === undefined) {
      done = this.transform(c) ?? c;
      if (this.cache.size < 65536) this.cache.set(c, done);
    }
    return done;
  }

  private normalizeGraphemes(text: string): string {
    let out = "";
    for (const { segment } of this.segmenter.segment(text)) {
      let done = this.cache.get(segment);
      if (done === undefined) {
        const whole = Buffer.byteLength(segment, "utf8") < 6 ? this.transform(segment) : undefined;
        if (whole !== undefined) done = whole;
        else {
          done = "";
          for (const c of segment) done += this.transform(c) ?? c;
        }
        if (this.cache.size < 65536) this.cache.set(segment, done);
      }
      out += done;
    }
    return out;
  }
}

const PREPEND = "\\u0600-\\u0605\\u06dd\\u070f\\u0890\\u0891\\u08e2\\u{110bd}\\u{110cd}\\u0d4e\\u{111c2}\\u{111c3}\\u{1193f}\\u{11941}\\u{11a3a}\\u{11a84}-\\u{11a89}\\u{11d46}\\u{11f02}";
/**
 * Code points that can join a neighbour into one grapheme (UAX #29): marks, ZWJ / ZWNJ and the other
 * Extend characters, Thai and Lao AM, regional indicators, Hangul jamo, CR, and Prepend.
 */
const JOINING_CLASS =
  "\\p{M}\\u200c\\r\\u0e33\\u0eb3\\uff9e\\uff9f\\p{Emoji_Modifier}\\p{Regional_Indicator}\\u{e0020}-\\u{e007f}" +
  "\\u1100-\\u11ff\\ua960-\\ua97f\\ud7b0-\\ud7ff" +
  PREPEND;
// ZWJ stands outside the class: inside one it reads as a joined sequence to linters and readers.
const JOINING = `(?:[${JOINING_CLASS}]|\\u200d)`;
/**
 * A span of joining code points with one neighbour on each side (chains such as emoji ZWJ
 * sequences or Indic conjuncts stay whole), or any other non-ASCII or control character.
 */
const JOINED_OR_NON_ASCII = new RegExp(
  `.?${JOINING}+(?:.${JOINING}+)*(?:[${PREPEND}]*.)?|[^\\x20-\\x7e]`,
  "gsu",
);

const offset = (unit: number): number => ((unit >>> 10) << ((unit & (1 << 9)) >>> 6)) >>> 0;
const label = (unit: number): number => (unit & ((1 << 31) | 0xff)) >>> 0;
