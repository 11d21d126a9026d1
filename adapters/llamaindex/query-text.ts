import type { MessageContent, MessageContentDetail } from "@llamaindex/core/llms";
import { InvalidInputError } from "../../src/index.js";

/**
 * The text of a LlamaIndex query: a string as is, or the text parts of a multi-modal message
 * joined by blank lines (as LlamaIndex's `extractText` joins them).
 * @throws {InvalidInputError} when there is no query or it has no text.
 */
export function queryText(query: MessageContent | MessageContentDetail | undefined): string {
  const parts = typeof query === "string" ? [query] : Array.isArray(query) ? query : query === undefined ? [] : [query];
  const text = parts
    .map((part) => (typeof part === "string" ? part : part?.type === "text" ? part.text : ""))
    .filter((t) => t !== "")
    .join("\n\n");
  if (text === "") throw new InvalidInputError("The query has no text to rerank against", { field: "query" });
  return text;
}
