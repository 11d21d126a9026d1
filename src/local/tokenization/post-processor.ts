import { ModelLoadError } from "../../errors/model-load-error.js";

/** One piece of a special-token template. */
export type TemplatePiece =
  | { kind: "special"; ids: number[]; typeId: number }
  | { kind: "A" | "B"; typeId: number };

/** How special tokens wrap one text and a pair, read from `tokenizer.json`'s post_processor. */
export interface SpecialTokenTemplate {
  single: TemplatePiece[];
  pair: TemplatePiece[];
}

type Json = Record<string, unknown>;

/**
 * Reads the post-processor of a `tokenizer.json` (TemplateProcessing, BertProcessing,
 * RobertaProcessing, or a Sequence holding one of them) into a template rerank-kit applies itself
 * after truncation, so the final separator is never lost.
 * @throws {ModelLoadError} for post-processors that add special tokens in a way it cannot read.
 */
export function readTemplate(postProcessor: unknown, path: string): SpecialTokenTemplate {
  const pp = postProcessor as Json | null | undefined;
  if (!pp) return { single: [{ kind: "A", typeId: 0 }], pair: [{ kind: "A", typeId: 0 }, { kind: "B", typeId: 0 }] };
  switch (pp["type"]) {
    case "TemplateProcessing":
      return fromTemplateProcessing(pp, path);
    case "BertProcessing": {
      const [, cls] = pp["cls"] as [string, number];
      const [, sep] = pp["sep"] as [string, number];
      return {
        single: [special(cls, 0), { kind: "A", typeId: 0 }, special(sep, 0)],
        pair: [special(cls, 0), { kind: "A", typeId: 0 }, special(sep, 0), { kind: "B", typeId: 1 }, special(sep, 1)],
      };
    }
    case "RobertaProcessing": {
      const [, cls] = pp["cls"] as [string, number];
      const [, sep] = pp["sep"] as [string, number];
      // RoBERTa / XLM-R: <s> A </s></s> B </s>, one segment id for everything.
      return {
        single: [special(cls, 0), { kind: "A", typeId: 0 }, special(sep, 0)],
        pair: [special(cls, 0), { kind: "A", typeId: 0 }, special(sep, 0), special(sep, 0), { kind: "B", typeId: 0 }, special(sep, 0)],
      };
    }
    case "ByteLevel":
      return readTemplate(null, path);
    case "Sequence": {
      const inner = (pp["processors"] as Json[]).filter((p) => p["type"] !== "ByteLevel");
      if (inner.length > 1) throw unsupported(path, "a Sequence with several special-token processors");
      return readTemplate(inner[0] ?? null, path);
    }
    default:
      throw unsupported(path, `post_processor type ${String(pp["type"])}`);
  }
}

function fromTemplateProcessing(pp: Json, path: string): SpecialTokenTemplate {
  const specials = (pp["special_tokens"] ?? {}) as Record<string, { ids: number[] }>;
  const convert = (items: Json[]): TemplatePiece[] =>
    items.map((item) => {
      if (item["SpecialToken"]) {
        const { id, type_id } = item["SpecialToken"] as { id: string; type_id: number };
        const ids = specials[id]?.ids;
        if (!ids) throw unsupported(path, `special token ${id} without ids`);
        return { kind: "special", ids, typeId: type_id };
      }
      const { id, type_id } = item["Sequence"] as { id: "A" | "B"; type_id: number };
      return { kind: id, typeId: type_id };
    });
  return { single: convert(pp["single"] as Json[]), pair: convert(pp["pair"] as Json[]) };
}

function special(id: number, typeId: number): TemplatePiece {
  return { kind: "special", ids: [id], typeId };
}

function unsupported(path: string, what: string): ModelLoadError {
  return new ModelLoadError(`${path}: unsupported tokenizer post-processor (${what})`, { path });
}

/** Number of special tokens a template adds. */
export function countSpecials(pieces: readonly TemplatePiece[]): number {
  return pieces.reduce((n, p) => n + (p.kind === "special" ? p.ids.length : 0), 0);
}

/** Builds ids and segment ids from the template and already-truncated sequences. */
export function applyTemplate(
  pieces: readonly TemplatePiece[],
  a: readonly number[],
  b: readonly number[] = [],
): { ids: number[]; typeIds: number[] } {
  const ids: number[] = [];
  const typeIds: number[] = [];
  for (const p of pieces) {
    const values = p.kind === "special" ? p.ids : p.kind === "A" ? a : b;
    for (const v of values) {
      ids.push(v);
      typeIds.push(p.typeId);
    }
  }
  return { ids, typeIds };
}
