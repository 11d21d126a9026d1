/** Model folders that hang: a tokenizer whose pre-tokenizer regex backtracks catastrophically. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { modelDir } from "../local/helpers.js";

/** A text on which {@link redosModel}'s tokenizer never finishes (2^40 backtracking steps). */
export const REDOS_TEXT = `${"a".repeat(40)}!`;

/**
 * A copy of the tiny cross-encoder whose tokenizer first splits on `(a+)+$`: ordinary texts
 * tokenize as before, {@link REDOS_TEXT} holds the thread in one synchronous regex match.
 */
export async function redosModel(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "rerank-kit-redos-"));
  cpSync(await modelDir("cross-encoder"), dir, { recursive: true, dereference: true });
  const file = join(dir, "tokenizer.json");
  const tokenizer = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  tokenizer["pre_tokenizer"] = {
    type: "Sequence",
    pretokenizers: [{ type: "Split", pattern: { Regex: "(a+)+$" }, behavior: "Isolated", invert: false }, tokenizer["pre_tokenizer"]],
  };
  writeFileSync(file, JSON.stringify(tokenizer));
  return dir;
}
