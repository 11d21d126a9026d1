import * as tokenizers from "@huggingface/tokenizers";
import { Charsmap } from "./precompiled-charsmap.js";

// The package exports these classes, but its type declarations do not resolve them under NodeNext.
const exported = tokenizers as unknown as Record<string, unknown>;
const BertNormalizer = exported["BertNormalizer"];
const ByteLevelPreTokenizer = exported["ByteLevelPreTokenizer"];
const LowercaseNormalizer = exported["LowercaseNormalizer"];
const PrecompiledNormalizer = exported["PrecompiledNormalizer"];
const StripNormalizer = exported["StripNormalizer"];
const WhitespaceSplitPreTokenizer = exported["WhitespaceSplitPreTokenizer"];

/**
 * `@huggingface/tokenizers` 0.2 normalizes text differently from the Rust `tokenizers` that
 * transformers, sentence-transformers and vLLM run, so the same text got other ids (measured on a
 * corpus of hard text, test/local/rust-tokenizers.parity.test.ts). Its normalizers are patched once,
 * at load, to do what the Rust ones do:
 *
 * - Lowercasing used `String.prototype.toLowerCase`, which applies Unicode's final-sigma rule
 *   ("ΟΔΟΣ" -> "οδος"); Rust lowercases each character alone ("οδοσ"). BERT's WordPiece then splits
 *   an all-caps Greek word differently.
 * - BertNormalizer put spaces around CJK ideographs by UTF-16 code unit, so ideographs above U+FFFF
 *   (𠮷, 𪚥) were never split off and ran into their neighbours as one [UNK]. It also uses the Rust
 *   ranges (which skip U+2B820..U+2B91F) and strips accents before lowercasing, as Rust does.
 * - Precompiled (SentencePiece: XLM-R, bge-m3, multilingual-e5) approximated the charsmap with NFKC
 *   and a character list, mapping ZWJ (emoji sequences, Persian) to a space and keeping U+0085;
 *   the charsmap is now read and applied grapheme by grapheme as the Rust normalizer does.
 * - Strip, WhitespaceSplit and the ByteLevel (GPT-2) split used JavaScript whitespace, which
 *   includes U+FEFF and not U+0085 (NEL); Rust uses Unicode White_Space.
 */
export function patchTokenizersForRustParity(): void {
  type Config = { config: Record<string, unknown>; pattern: RegExp };
  type Method = ((this: Config, text: string, options?: unknown) => unknown) & { rerankKitPatched?: true };
  const patch = (cls: unknown, name: string, replace: (original: Method) => Method): void => {
    const proto = (cls as { prototype?: Record<string, Method> } | undefined)?.prototype;
    const original = proto?.[name];
    // A missing class leaves the package as it is; the parity test then shows what changed.
    if (!proto || !original || original.rerankKitPatched) return;
    proto[name] = Object.assign(replace(original), { rerankKitPatched: true as const });
  };
  patch(BertNormalizer, "normalize", () =>
    function (text) {
      return bertNormalize(text, this.config);
    },
  );
  patch(LowercaseNormalizer, "normalize", () => (text) => lowercasePerCharacter(text));
  patch(StripNormalizer, "normalize", () =>
    function (text) {
      if (this.config["strip_left"] === true) text = text.replace(LEADING_WHITE_SPACE, "");
      return this.config["strip_right"] === true ? text.replace(TRAILING_WHITE_SPACE, "") : text;
    },
  );
  patch(WhitespaceSplitPreTokenizer, "pre_tokenize_text", () => (text) => text.split(WHITE_SPACE_RUN).filter((word) => word !== ""));
  patch(ByteLevelPreTokenizer, "pre_tokenize_text", (original) =>
    function (text, options) {
      this.pattern = GPT2_SPLIT;
      return original.call(this, text, options);
    },
  );
  patch(PrecompiledNormalizer, "normalize", (original) =>
    function (text, options) {
      const charsmap = this.config["precompiled_charsmap"];
      // Without a charsmap the package's own approximation stays (no model seen ships one null).
      if (typeof charsmap !== "string" || charsmap === "") return original.call(this, text, options);
      return Charsmap.of(charsmap).normalize(text);
    },
  );
}

/**
 * Lowercases each character alone, as Rust's `char::to_lowercase` and the `Lowercase` normalizer
 * do (no final-sigma context). sentence-transformers 6 applies that normalizer for `do_lower_case`.
 */
export function lowercasePerCharacter(text: string): string {
  // Final sigma is the only context-dependent rule of the language-independent mapping.
  return text.includes("Σ") ? text.replaceAll("Σ", "σ").toLowerCase() : text.toLowerCase();
}

// Unicode White_Space (Rust's char::is_whitespace); JavaScript's \s adds U+FEFF and drops U+0085.
const WHITE_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const LEADING_WHITE_SPACE = new RegExp(`^[${WHITE_SPACE}]+`, "u");
const TRAILING_WHITE_SPACE = new RegExp(`[${WHITE_SPACE}]+$`, "u");
const WHITE_SPACE_RUN = new RegExp(`[${WHITE_SPACE}]+`, "u");
const GPT2_SPLIT = new RegExp(
  `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WHITE_SPACE}\\p{L}\\p{N}]+|[${WHITE_SPACE}]+(?![^${WHITE_SPACE}])|[${WHITE_SPACE}]+`,
  "gu",
);
const WHITE_SPACE_CHAR = new RegExp(`^[${WHITE_SPACE}]$`, "u");

/** The ideograph ranges of the Rust BertNormalizer (U+2B820..U+2B91F is not among them there). */
function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

const CONTROL = /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u;

/** The Rust BertNormalizer, character by character (code points, not UTF-16 units). */
function bertNormalize(text: string, config: Record<string, unknown>): string {
  const lowercase = config["lowercase"] === true;
  const stripAccents = (config["strip_accents"] as boolean | null | undefined) ?? lowercase;
  let out = "";
  for (const c of text) {
    const cp = c.codePointAt(0) as number;
    let ch = c;
    if (config["clean_text"] === true) {
      if (cp === 0 || cp === 0xfffd || (c !== "\t" && c !== "\n" && c !== "\r" && CONTROL.test(c))) continue;
      if (WHITE_SPACE_CHAR.test(c)) ch = " ";
    }
    out += config["handle_chinese_chars"] === true && isChineseChar(cp) ? ` ${ch} ` : ch;
  }
  if (stripAccents) out = out.normalize("NFD").replace(/\p{Mn}/gu, "");
  return lowercase ? lowercasePerCharacter(out) : out;
}
