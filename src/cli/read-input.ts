import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import { CliError } from "./cli-error.js";

/**
 * One input line. `index` is the 0-based line number, so every output line can be joined back to
 * its input. Blank lines are kept as `blank` (they yield a `null` result); a line that cannot be
 * read as a text (broken JSON, a JSON object without `text`) carries an `error` naming the line.
 */
export type InputRecord =
  | { index: number; text: string }
  | { index: number; blank: true }
  | { index: number; error: string };

/** Where texts come from: a file path, or `-` for standard input. */
export function inputName(path: string): string {
  return path === "-" ? "(stdin)" : path;
}

async function openInput(path: string, stdin: NodeJS.ReadableStream): Promise<NodeJS.ReadableStream> {
  if (path === "-") return stdin;
  try {
    // Open first so a missing file is one clear error before any output.
    const handle = await open(path, "r");
    // The stream owns the handle (and closes it at the end), so GC cannot close it mid-read.
    return handle.createReadStream({ autoClose: true });
  } catch (error) {
    throw cannotRead(path, error);
  }
}

/** The CLI's one-line error for an input file that cannot be opened. */
export function cannotRead(path: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  return new CliError(`cannot read --input ${path}: ${code === "ENOENT" ? "no such file" : String(code ?? error)}`);
}

/** Parses one line: a JSONL object with a string `text` field, or a plain line. */
export function parseLine(line: string, index: number): InputRecord {
  if (line.trim() === "") return { index, blank: true };
  if (!line.trimStart().startsWith("{")) return { index, text: line };
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (error) {
    return { index, error: `line ${index + 1}: invalid JSON (${(error as Error).message})` };
  }
  const text = (record as { text?: unknown } | null)?.text;
  if (typeof text !== "string") return { index, error: `line ${index + 1}: JSON object without a string "text" field` };
  return { index, text };
}

/**
 * Reads input line by line (never the whole file): JSONL objects with a string `text` field, or
 * plain lines. A UTF-8 byte order mark before the first line is dropped. Memory stays bounded
 * by one line, whatever the file size.
 * @throws {CliError} (exit 1) when the file cannot be opened.
 */
export async function* readRecords(path: string, stdin: NodeJS.ReadableStream): AsyncGenerator<InputRecord> {
  const input = await openInput(path, stdin);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let index = 0;
  for await (const raw of lines) {
    const line = index === 0 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    yield parseLine(line, index);
    index++;
  }
}

/** Groups records into arrays of at most `size`, as they are read. */
export async function* inBatches<T>(records: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const r of records) {
    batch.push(r);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Counts the lines of a file in one streaming pass (for the progress bar's total). */
export async function countLines(path: string): Promise<number> {
  let lines = 0;
  let last = 10;
  try {
    for await (const chunk of createReadStream(path)) {
      const buf = chunk as Buffer;
      for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++;
      if (buf.length > 0) last = buf[buf.length - 1] as number;
    }
  } catch (error) {
    throw cannotRead(path, error);
  }
  return last === 10 ? lines : lines + 1;
}
