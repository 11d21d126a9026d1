import type { Json } from "../files/model-files.js";
import type { SpecialTokenTemplate } from "./post-processor.js";

/**
 * Ids Python's tokenizers count as special (`all_special_ids`): those the template adds and the
 * `added_tokens` of `tokenizer.json` marked `special`.
 */
export function specialTokenIds(tokenizerJson: Json, template: SpecialTokenTemplate): Set<number> {
  const ids = new Set<number>();
  for (const piece of [...template.single, ...template.pair]) {
    if (piece.kind === "special") for (const id of piece.ids) ids.add(id);
  }
  for (const t of (tokenizerJson["added_tokens"] ?? []) as { id: number; special?: boolean }[]) {
    if (t.special === true) ids.add(t.id);
  }
  return ids;
}
