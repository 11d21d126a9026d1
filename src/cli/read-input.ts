import { readFile } from "node:fs/promises";
import { CliError } from "./cli-error.js";

/** Reads all of `path`, or standard input for `-`. */
async function readAll(path: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (path !== "-") {
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(`cannot read --input ${path}: ${code === "ENOENT" ? "no such file" : String(code ?? error)}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Reads texts, one per line: JSONL objects with a string `text` field, or plain lines.
 * Blank lines are skipped.
 * @throws {CliError} (exit 1) for an unreadable file, a JSON object without `text`, or no texts at all.
 */
export async function readTexts(path: string, stdin: NodeJS.ReadableStream): Promise<string[]> {
  const content = await readAll(path, stdin);
  const texts: string[] = [];
  content.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    if (line.trimStart().startsWith("{")) {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        // Not JSON after all: a plain line that happens to start with "{".
        texts.push(line);
        return;
      }
      const text = (record as { text?: unknown }).text;
      if (typeof text !== "string") throw new CliError(`--input line ${i + 1}: JSON object without a string "text" field`);
      texts.push(text);
      return;
    }
    texts.push(line);
  });
  if (texts.length === 0) throw new CliError(`--input ${path === "-" ? "(stdin)" : path} holds no texts`);
  return texts;
}
