/** A CLI failure with its exit code: 2 for bad flags or arguments, 1 for runtime failures. */
export class CliError extends Error {
  /** Process exit code. */
  readonly exitCode: number;

  constructor(message: string, exitCode: 1 | 2 = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** The first line of an error's message, for a one-line report. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split("\n")[0] ?? "").trim() || "unknown error";
}
