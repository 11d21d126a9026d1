import type { DocumentInterface } from "@langchain/core/documents";
import { InvalidInputError } from "../../src/index.js";

/** Anything {@link RerankCompressor.rerank} accepts as a document. */
export type RerankableDocument = DocumentInterface | string | { pageContent: string; metadata?: Record<string, unknown> };

/** Turns a LangChain document into the text the model scores. */
export type DocumentToText = (document: DocumentInterface) => string;

/** Scores `pageContent` as is. */
export const pageContentText: DocumentToText = (document) => document.pageContent;

/**
 * The text of each document, in order. Strings pass through; objects go through `toText`.
 * @throws {InvalidInputError} naming `documents[i]` when an entry is neither a string nor an
 *   object with a string `pageContent`, or when `toText` does not return a string.
 */
export function documentTexts(documents: readonly RerankableDocument[], toText: DocumentToText): string[] {
  if (!Array.isArray(documents)) {
    throw new InvalidInputError("documents must be an array", { field: "documents" });
  }
  return documents.map((document, i) => {
    if (typeof document === "string") return document;
    if (typeof document?.pageContent !== "string") {
      throw new InvalidInputError(`documents[${i}] has no string pageContent`, { field: `documents[${i}]` });
    }
    const text = toText({ pageContent: document.pageContent, metadata: document.metadata ?? {}, ...idOf(document) });
    if (typeof text !== "string") {
      throw new InvalidInputError(`documentToText returned ${typeof text} for documents[${i}]`, {
        field: `documents[${i}]`,
      });
    }
    return text;
  });
}

function idOf(document: RerankableDocument): { id?: string } {
  const id = (document as DocumentInterface).id;
  return id === undefined ? {} : { id };
}

/** @throws {InvalidInputError} unless `query` is a string. */
export function assertQuery(query: unknown): asserts query is string {
  if (typeof query !== "string") {
    throw new InvalidInputError(`query must be a string, got ${typeof query}`, { field: "query" });
  }
}
