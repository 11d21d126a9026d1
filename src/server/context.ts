import { randomUUID } from "node:crypto";
import type { Context } from "hono";
import { AbortError } from "../errors/abort-error.js";
import { TimeoutError } from "../errors/timeout-error.js";
import { HttpError } from "./http/http-error.js";
import type { ResolvedOptions } from "./options.js";
import type { Metrics } from "./runtime/metrics.js";
import type { RequestCoalescer } from "./runtime/coalescer.js";
import type { EmbedStrategies } from "./runtime/embed-strategy.js";
import type { ScoreStrategy } from "./runtime/score-strategy.js";
import type { Slots } from "./runtime/slots.js";
import type { MediaPolicy } from "./media/index.js";

/** Everything a route handler needs, built once per server. @internal */
export interface ServerContext {
  options: ResolvedOptions;
  /** The one request batch every score and embedding request goes through. */
  coalescer: RequestCoalescer;
  /** How score requests share a call. */
  score: ScoreStrategy;
  /** How `/v1/embeddings`, `/pooling` embed and `/v2/embed` requests share a call; set when there is an embedder. */
  embed: EmbedStrategies | undefined;
  slots: Slots;
  metrics: Metrics;
  /** The image URL gate, when the served model decodes images itself; a proxy passes URLs on. */
  media: MediaPolicy | undefined;
  /** True once `close()` started: no new work is admitted. */
  closing: boolean;
}

/** The primary served model name, echoed in responses. */
export function primaryModel(ctx: ServerContext): string {
  return ctx.options.modelNames[0] as string;
}

/** @throws {HttpError} 404 `NotFoundError` when `model` is set and not a served name. */
export function checkModel(ctx: ServerContext, model: string | null | undefined): void {
  if (model === undefined || model === null || ctx.options.modelNames.includes(model)) return;
  throw new HttpError(404, "NotFoundError", `The model \`${model}\` does not exist.`);
}

/** @throws {HttpError} 400 when a request carries more items than `maxDocuments`. */
export function checkCount(ctx: ServerContext, count: number, field: string): void {
  const max = ctx.options.maxDocuments;
  if (count > max) {
    throw new HttpError(400, "BadRequestError", `Too many ${field}: ${count} given, this server accepts at most ${max}.`, {
      param: field,
    });
  }
}

/** `<prefix>-<X-Request-Id or random hex>`, as vLLM builds response ids. */
export function responseId(c: Context, prefix: string): string {
  const header = c.req.header("x-request-id");
  return `${prefix}-${header || randomUUID().replace(/-/g, "")}`;
}

/** Unix time in whole seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Runs inference work for one request: admits it (503 when full or shutting down), and gives it a
 * signal that fires on client disconnect (`AbortError`) or after `requestTimeoutMs` (`TimeoutError`).
 */
export async function withAdmission<T>(
  ctx: ServerContext,
  c: Context,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (ctx.closing) {
    throw new HttpError(503, "ServiceUnavailableError", "The server is shutting down.", {
      headers: { "Retry-After": "1" },
    });
  }
  const leave = ctx.slots.admit();
  const controller = new AbortController();
  const ms = ctx.options.requestTimeoutMs;
  const timer = setTimeout(() => {
    controller.abort(new TimeoutError(`The request did not finish within ${ms} ms.`, { timeoutMs: ms }));
  }, ms);
  const clientSignal = c.req.raw.signal;
  const onClientAbort = (): void => controller.abort(new AbortError("The client closed the connection."));
  clientSignal.addEventListener("abort", onClientAbort, { once: true });
  try {
    const result = await raceSignal(work(controller.signal), controller.signal);
    const tokens = promptTokensOf(result);
    if (tokens !== undefined) c.set("promptTokens", tokens);
    return result;
  } finally {
    clearTimeout(timer);
    clientSignal.removeEventListener("abort", onClientAbort);
    leave();
  }
}

/** The prompt tokens a model call reports (`usage.promptTokens` or `promptTokens`), for the request log. */
function promptTokensOf(result: unknown): number | undefined {
  if (typeof result !== "object" || result === null) return undefined;
  const r = result as { usage?: { promptTokens?: unknown }; promptTokens?: unknown };
  const n = r.usage?.promptTokens ?? r.promptTokens;
  return typeof n === "number" ? n : undefined;
}

/** Rejects with the signal's reason as soon as it fires, even if `promise` is still running. */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** Runs `work` holding an inference slot (for non-batched work such as embeddings). */
export async function withSlot<T>(ctx: ServerContext, work: () => Promise<T>): Promise<T> {
  const release = await ctx.slots.acquire();
  try {
    return await work();
  } finally {
    release();
  }
}
