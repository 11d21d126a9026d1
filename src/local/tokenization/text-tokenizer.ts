import { Tokenizer } from "@huggingface/tokenizers";
import { ModelLoadError } from "../../errors/model-load-error.js";
import type { Json } from "../files/model-files.js";
import { applyTemplate, countSpecials, readTemplate, type SpecialTokenTemplate } from "./post-processor.js";
import { patchTokenizersForRustParity } from "./rust-parity.js";
import { encodeHead } from "./pre-truncate.js";

patchTokenizersForRustParity();

/**
 * A model's tokenizer, used without its own special-token handling: rerank-kit encodes raw text,
 * truncates, and then adds special tokens from the template itself.
 */
export class TextTokenizer {
  private readonly tokenizer: Tokenizer;
  /** Special-token layout for one text and for a pair. */
  readonly template: SpecialTokenTemplate;
  /** Id used for padding. */
  readonly padId: number;
  /**
   * True for byte-level BPE (GPT-2 / Qwen / Llama 3 style): every token string then spells its
   * bytes one character per byte, so token offsets can be computed without the tokenizer's help.
   */
  readonly byteLevel: boolean;
  private readonly addedTokens: Set<string>;

  constructor(tokenizerJson: Json, tokenizerConfig: Json, path: string) {
    try {
      this.tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    } catch (cause) {
      throw new ModelLoadError(`Cannot build the tokenizer from ${path}: ${(cause as Error).message}`, { path, cause });
    }
    this.template = readTemplate(tokenizerJson["post_processor"], path);
    this.byteLevel = isByteLevel(tokenizerJson["pre_tokenizer"]) && tokenizerJson["normalizer"] == null;
    const added = (tokenizerJson["added_tokens"] as Array<{ content?: unknown }> | undefined) ?? [];
    this.addedTokens = new Set(added.flatMap((t) => (typeof t.content === "string" ? [t.content] : [])));
    const padToken = tokenizerConfig["pad_token"];
    const padName = typeof padToken === "string" ? padToken : (padToken as { content?: string } | undefined)?.content;
    this.padId = (padName !== undefined ? this.tokenToId(padName) : undefined) ?? this.tokenToId("[PAD]") ?? this.tokenToId("<pad>") ?? 0;
  }

  /** Token ids of `text` without special tokens. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /**
   * The first tokens of `text`, for callers that keep at most `limit` of them (truncation on,
   * right side): ids equal to `encode(text)`'s first `limit + 1` (fewer only when the text has
   * fewer), without tokenizing a long text whole. See {@link encodeHead}.
   */
  encodeHead(text: string, limit: number): number[] {
    return encodeHead((t) => this.encode(t), text, limit);
  }

  /**
   * Byte offsets `[start, end)` of each token in the UTF-8 text it was encoded from, for
   * byte-level tokenizers; undefined when they cannot be known exactly (another tokenizer kind, or
   * the lengths do not add up to the text's).
   */
  byteOffsets(ids: readonly number[], text: string): Array<[number, number]> | undefined {
    if (!this.byteLevel) return undefined;
    const offsets: Array<[number, number]> = [];
    let at = 0;
    for (const token of this.idsToTokens(ids)) {
      const length = this.addedTokens.has(token) ? Buffer.byteLength(token, "utf8") : token.length;
      offsets.push([at, at + length]);
      at += length;
    }
    return at === Buffer.byteLength(text, "utf8") ? offsets : undefined;
  }

  /** Token strings for ids. */
  idsToTokens(ids: readonly number[]): string[] {
    return ids.map((id) => this.tokenizer.id_to_token(id) ?? "");
  }

  /** Decodes ids back to text. */
  decode(ids: readonly number[], skipSpecialTokens = true): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: skipSpecialTokens });
  }

  /** Vocabulary id of a token string, if it exists. */
  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /** Special tokens added around one text. */
  get singleSpecials(): number {
    return countSpecials(this.template.single);
  }

  /** Special tokens added around a pair. */
  get pairSpecials(): number {
    return countSpecials(this.template.pair);
  }

  /** One text with its special tokens. */
  single(ids: readonly number[]): { ids: number[]; typeIds: number[] } {
    return applyTemplate(this.template.single, ids);
  }

  /** A pair with its special tokens and segment ids. */
  pair(a: readonly number[], b: readonly number[]): { ids: number[]; typeIds: number[] } {
    return applyTemplate(this.template.pair, a, b);
  }
}

function isByteLevel(pre: unknown): boolean {
  const p = pre as { type?: unknown; pretokenizers?: unknown[] } | null | undefined;
  if (!p) return false;
  if (p.type === "ByteLevel") return true;
  return p.type === "Sequence" && Array.isArray(p.pretokenizers) && p.pretokenizers.some((x) => isByteLevel(x));
}
