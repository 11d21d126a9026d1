import { ContextLengthError } from "../../errors/context-length-error.js";
import { locateContent, truncateContents, type ContentSpans } from "../../scoring/template-truncation.js";
import type { ScoreTemplate } from "../../templates/score-template.js";
import type { EncodedSequence } from "../runtime/run-batches.js";
import { resolvePromptLimit, type PairTruncation } from "./pair-encoder.js";
import type { TextTokenizer } from "./text-tokenizer.js";

const FILLERS = ["x", "y"] as const;

/** What a templated pair is rendered with, besides its contents. */
export interface TemplateVars {
  instruction?: string | undefined;
  kwargs?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Encodes (query, document) pairs through a score template: the render is tokenized whole, with
 * the tokenizer's default special tokens (what vLLM does with the rendered prompt), and a prompt
 * over the limit has its contents cut, never the template ({@link truncateContents}). Without a
 * template the prompt is `query + document`, as vLLM joins LLM-reranker inputs.
 */
export class TemplateEncoder {
  private readonly cache = new Map<string, number[]>();

  constructor(
    private readonly tokenizer: TextTokenizer,
    private readonly template: ScoreTemplate | undefined,
    private readonly vars: TemplateVars,
  ) {
    template?.checkInstruction(vars.instruction);
  }

  private render(query: string, document: string): string {
    if (!this.template) return query + document;
    return this.template.render({ query, document, instruction: this.vars.instruction, kwargs: this.vars.kwargs });
  }

  private encode(query: string, document: string): number[] {
    const text = this.render(query, document);
    let ids = this.cache.get(text);
    if (!ids) {
      ids = this.tokenizer.encode(text);
      if (this.cache.size > 4096) this.cache.clear();
      this.cache.set(text, ids);
    }
    return ids;
  }

  /** Document tokens that fit with `query`: the limit minus the prompt rendered with an empty document. */
  documentBudget(query: string, maxLength: number): number {
    return Math.max(0, maxLength - this.tokenizer.singleSpecials - this.encode(query, "").length);
  }

  /**
   * One pair's model input.
   * @throws {ContextLengthError} when the prompt is too long and `truncate` is false, or when the
   *   template alone (contents emptied) does not fit.
   */
  encodePair(query: string, document: string, maxLength: number, options: PairTruncation = {}): EncodedSequence {
    const ids = this.encode(query, document);
    const specials = this.tokenizer.singleSpecials;
    const total = ids.length + specials;
    if (total > maxLength && options.truncate === false && options.truncatePromptTokens === undefined) {
      throw new ContextLengthError(maxLength, total);
    }
    const limit = resolvePromptLimit(maxLength, options);
    if (options.truncationSide === "left" && total > limit) {
      // vLLM's truncate_prompt_tokens with side left keeps the prompt's last tokens.
      return { ids: this.tokenizer.single(ids).ids.slice(-limit) };
    }
    if (total <= limit && !options.maxTokensPerDoc && !options.maxTokensPerQuery) return { ids: this.tokenizer.single(ids).ids };
    const spans = this.byteSpans(ids, query, document) ?? this.diffSpans(ids, query, document);
    const cut = truncateContents(ids, spans, {
      limit,
      maxDocumentTokens: options.maxTokensPerDoc,
      maxQueryTokens: options.maxTokensPerQuery,
      specialTokens: specials,
    });
    if (cut.length + specials > limit) throw new ContextLengthError(limit, cut.length + specials);
    return { ids: this.tokenizer.single(cut).ids };
  }

  /**
   * Content spans from byte offsets (byte-level BPE): a token belongs to a content when it
   * overlaps the content's bytes, as with a fast tokenizer's `offset_mapping`.
   */
  private byteSpans(ids: number[], query: string, document: string): ContentSpans | undefined {
    const text = this.render(query, document);
    const layout = this.template ? this.template.layout(this.vars) : { beforeQuery: "", between: "", afterDocument: "" };
    if (!layout || layout.beforeQuery + query + layout.between + document + layout.afterDocument !== text) return undefined;
    const offsets = this.tokenizer.byteOffsets(ids, text);
    if (!offsets) return undefined;
    const qs = Buffer.byteLength(layout.beforeQuery, "utf8");
    const qe = qs + Buffer.byteLength(query, "utf8");
    const ds = qe + Buffer.byteLength(layout.between, "utf8");
    const de = ds + Buffer.byteLength(document, "utf8");
    const span = (start: number, end: number, from: number): [number, number] => {
      let first = from;
      while (first < offsets.length && !overlaps(offsets[first] as [number, number], start, end)) first++;
      let last = first;
      while (last < offsets.length && overlaps(offsets[last] as [number, number], start, end)) last++;
      return first === offsets.length || start === end ? [from, from] : [first, last];
    };
    const q = span(qs, qe, 0);
    const d = span(ds, de, q[1]);
    return { query: q, document: d[0] === d[1] ? [Math.max(d[0], q[1]), Math.max(d[0], q[1])] : d };
  }

  /** Content spans by comparing with renders where each content is replaced by fillers. */
  private diffSpans(ids: number[], query: string, document: string): ContentSpans {
    const document_ = locateContent(ids, FILLERS.map((f) => this.encode(query, f)));
    const query_ = locateContent(ids, FILLERS.map((f) => this.encode(f, document)));
    if (query_[1] > document_[0]) query_[1] = document_[0];
    if (query_[0] > query_[1]) query_[0] = query_[1];
    return { query: query_, document: document_ };
  }
}

function overlaps([a, b]: [number, number], start: number, end: number): boolean {
  return b > a && a < end && b > start;
}
