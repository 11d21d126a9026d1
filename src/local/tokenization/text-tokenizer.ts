import { Tokenizer } from "@huggingface/tokenizers";
import { ModelLoadError } from "../../errors/model-load-error.js";
import type { Json } from "../files/model-files.js";
import { applyTemplate, countSpecials, readTemplate, type SpecialTokenTemplate } from "./post-processor.js";

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

  constructor(tokenizerJson: Json, tokenizerConfig: Json, path: string) {
    try {
      this.tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    } catch (cause) {
      throw new ModelLoadError(`Cannot build the tokenizer from ${path}: ${(cause as Error).message}`, { path, cause });
    }
    this.template = readTemplate(tokenizerJson["post_processor"], path);
    const padToken = tokenizerConfig["pad_token"];
    const padName = typeof padToken === "string" ? padToken : (padToken as { content?: string } | undefined)?.content;
    this.padId = (padName !== undefined ? this.tokenToId(padName) : undefined) ?? this.tokenToId("[PAD]") ?? this.tokenToId("<pad>") ?? 0;
  }

  /** Token ids of `text` without special tokens. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
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
