import { InvalidArgumentError } from "commander";

/** Parses a non-negative integer flag; commander reports a failure as a usage error (exit 2). */
export function integer(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("Not a non-negative integer.");
  return n;
}

/** Parses a positive integer flag. */
export function positiveInteger(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError("Must be at least 1.");
  return n;
}

/** Parses a TCP port (0 picks a free one). */
export function port(value: string): number {
  const n = integer(value);
  if (n > 65535) throw new InvalidArgumentError("Not a TCP port (0-65535).");
  return n;
}
