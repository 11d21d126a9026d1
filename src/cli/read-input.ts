import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
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
 * The default of `--max-line-bytes`: 16 MiB. No model reads more than a few hundred KB of one
 * text (32k tokens at most), so a longer line is a wrong file (a binary, a whole corpus on one
 * line), and stopping there keeps the process far from the heap limit.
 */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * The largest `--max-line-bytes` accepted: 256 MiB. A line is decoded to one string, and V8's
 * strings end at 2^29 - 24 UTF-16 units (a longer line was an uncaught RangeError).
 */
export const MAX_LINE_BYTES_LIMIT = 256 * 1024 * 1024;

/**
 * Reads input line by line (never the whole file) and opens it once, so a pipe, a FIFO,
 * `/dev/stdin` or `<(...)` are read as they come: JSONL objects with a string `text` field, or
 * plain lines. Lines end at `\n` (a `\r` before it is dropped), as `wc -l` and awk count them; a
 * lone `\r` is part of the text. A UTF-8 byte order mark before the first line is dropped.
 * Memory stays bounded by one line of at most `maxLineBytes` bytes, whatever the file size.
 * @throws {CliError} (exit 1) when the file cannot be opened, or a line is longer than `maxLineBytes`.
 */
export async function* readRecords(
  path: string,
  stdin: NodeJS.ReadableStream,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<InputRecord> {
  const input = await openInput(path, stdin);
  let index = 0;
  for await (const raw of splitLines(input, maxLineBytes, path)) {
    const line = index === 0 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    yield parseLine(line, index);
    index++;
  }
}

/** Splits a byte stream at `\n` (dropping a `\r` before it), decoding each line as UTF-8. */
async function* splitLines(input: NodeJS.ReadableStream, maxLineBytes: number, path: string): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  let pending = 0;
  let index = 0;
  const line = (tail: Buffer): string => {
    let bytes = parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 13) bytes = bytes.subarray(0, bytes.length - 1);
    parts = [];
    pending = 0;
    index++;
    return bytes.toString("utf8");
  };
  const tooLong = (): CliError =>
    new CliError(
      `--input ${inputName(path)}: line ${index + 1} is longer than ${maxLineBytes} bytes (--max-line-bytes); ` +
        `is it a text file with one text per line?`,
    );
  // The limit counts a line's bytes before its `\n` (a `\r` of `\r\n` included).
  for await (const chunk of input) {
    let buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10)) {
      if (pending + nl > maxLineBytes) throw tooLong();
      yield line(buf.subarray(0, nl));
      buf = buf.subarray(nl + 1);
    }
    if (buf.length > 0) {
      pending += buf.length;
      if (pending > maxLineBytes) throw tooLong();
      parts.push(buf);
    }
  }
  if (pending > 0) yield line(Buffer.alloc(0));
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

/**
 * Counts the lines of a regular file in one streaming pass (for the progress bar's total), as
 * {@link readRecords} splits them. Anything else (a pipe, a FIFO, `/dev/stdin`, `<(...)`) can be
 * read only once, so it is not counted: `undefined`, and the bar shows no total.
 */
export async function countLines(path: string): Promise<number | undefined> {
  let lines = 0;
  let last = 10;
  try {
    if (!(await stat(path)).isFile()) return undefined;
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
