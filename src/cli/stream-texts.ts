import { InvalidArgumentError, Option } from "commander";
import type { Progress } from "../types.js";
import { CliError } from "./cli-error.js";
import { positiveInteger } from "./parsers.js";
import { progressBar } from "./progress.js";
import { DEFAULT_MAX_LINE_BYTES, MAX_LINE_BYTES_LIMIT, countLines, inBatches, readRecords, type InputRecord } from "./read-input.js";

/** How {@link streamTexts} reads and reports. */
export interface StreamOptions {
  /** `--input`: a file or `-`. */
  input: string;
  /** Texts per model call; memory is bounded by this, not by the file. */
  batchSize: number;
  /** Progress bar label. */
  label: string;
  /** Standard input (injected for tests). */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** `--max-line-bytes`: a longer line ends the run with a {@link CliError}. @default 16 MiB */
  maxLineBytes?: number | undefined;
}

/**
 * The `--max-line-bytes <n>` flag of the commands that read `--input`: at most
 * {@link MAX_LINE_BYTES_LIMIT}, default {@link DEFAULT_MAX_LINE_BYTES}.
 */
export function maxLineBytesOption(): Option {
  return new Option("--max-line-bytes <n>", "longest input line in bytes; a longer one is an error (bounds memory)")
    .argParser((value: string) => {
      const n = positiveInteger(value);
      if (n > MAX_LINE_BYTES_LIMIT) throw new InvalidArgumentError(`At most ${MAX_LINE_BYTES_LIMIT} (256 MiB).`);
      return n;
    })
    .default(DEFAULT_MAX_LINE_BYTES, "16777216 (16 MiB)");
}

/** One batch handed to the caller: its records, and the texts of those that have one. */
export interface TextBatch {
  records: InputRecord[];
  texts: string[];
  onProgress: ((p: Progress) => void) | undefined;
}

/**
 * Reads the input in batches and hands each to `work` as soon as it is read, so output can be
 * written per batch. Broken lines are reported by `work` (as error records) and counted here; at
 * the end one {@link CliError} (exit 1) names the first of them, after all good lines were
 * written and `finish` ran.
 */
export async function streamTexts(
  options: StreamOptions,
  work: (batch: TextBatch) => Promise<void>,
  finish?: () => Promise<void>,
): Promise<void> {
  if (options.input === "-" && options.stdin.isTTY) {
    process.stderr.write("rerank-kit: reading texts from the terminal, one per line; end with Ctrl-D (or pass --input FILE)\n");
  }
  const total = options.input === "-" ? undefined : await countLines(options.input);
  const bar = progressBar(total, options.label);
  let lines = 0;
  const errors: string[] = [];
  try {
    for await (const records of inBatches(readRecords(options.input, options.stdin, options.maxLineBytes), options.batchSize)) {
      const base = lines;
      lines += records.length;
      const texts: string[] = [];
      for (const r of records) {
        if ("text" in r) texts.push(r.text);
        else if ("error" in r) errors.push(r.error);
      }
      await work({ records, texts, onProgress: bar.onProgress && ((p) => bar.onProgress?.({ done: base + p.done, total: 0 })) });
      bar.onProgress?.({ done: lines, total: 0 });
    }
  } finally {
    bar.stop();
  }
  // Reached only when every batch was scored: lines with errors still leave a complete answer for the rest.
  await finish?.();
  if (lines === 0) throw new CliError(`--input ${options.input === "-" ? "(stdin)" : options.input} holds no texts`);
  if (errors.length > 0) {
    throw new CliError(`${errors.length} input line${errors.length === 1 ? "" : "s"} could not be read (first: ${errors[0]}); their output lines carry the error`);
  }
}
