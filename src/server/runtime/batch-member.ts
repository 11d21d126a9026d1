import { AbortError } from "../../errors/abort-error.js";

/** The settle-once state every batcher keeps for one waiting request. */
export interface SettleOnce<T> {
  resolve: (r: T) => void;
  reject: (e: unknown) => void;
  settled: boolean;
}

/** Settles a waiting request once: an abort, a failed batch and its result may all race for it. */
export function settle<T>(member: SettleOnce<T>, result: T | undefined, error?: unknown): void {
  if (member.settled) return;
  member.settled = true;
  if (error !== undefined || !result) member.reject(error ?? new Error("missing result"));
  else member.resolve(result);
}

/** The error a request's abort rejects with: the caller's own reason, else an `AbortError`. */
export function abortReason(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== "AbortError") return reason;
  return new AbortError("The request was aborted.", { cause: reason });
}
