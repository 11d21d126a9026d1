import { once } from "node:events";

/**
 * Writes lines to a stream, waiting for `drain` when its buffer is full, so a slow reader
 * (a pipe into `head` or a network copy) holds back the producer instead of filling memory.
 */
export async function writeLines(out: NodeJS.WritableStream, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  if (!out.write(`${lines.join("\n")}\n`)) await once(out, "drain");
}
