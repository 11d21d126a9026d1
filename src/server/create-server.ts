import type { AddressInfo, Socket } from "node:net";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { serve } from "@hono/node-server";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env.js";
import { createApp } from "./create-app.js";
import type { ServerContext } from "./context.js";
import { has } from "../contracts/capabilities.js";
import { resolveOptions, type CreateServerOptions } from "./options.js";
import { Metrics } from "./runtime/metrics.js";
import { RequestCoalescer } from "./runtime/coalescer.js";
import { embedStrategies } from "./runtime/embed-strategy.js";
import { scoreStrategy } from "./runtime/score-strategy.js";
import { vllmBiEncoderScorer } from "./runtime/vllm-bi-encoder.js";
import { Slots } from "./runtime/slots.js";
import { Admission } from "./transport/admission.js";

/** Where {@link RerankServer.listen} binds. */
export interface ListenOptions {
  /** Interface to bind. @default "127.0.0.1" (local only) */
  host?: string;
  /** TCP port; `0` picks a free one. @default 8000 */
  port?: number;
}

/** The address a server listens on. */
export interface ServerAddress {
  /** Bound interface. */
  host: string;
  /** Bound port. */
  port: number;
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
}

/** A vLLM-protocol server over a `Scorer`, from {@link createServer}. */
export interface RerankServer {
  /** The Hono app; `app.request()` serves requests in process, without a socket. */
  readonly app: OpenAPIHono<AppEnv>;
  /** Serves one fetch `Request` in process. */
  fetch(request: Request): Promise<Response>;
  /** Starts listening; resolves once bound. */
  listen(options?: ListenOptions): Promise<ServerAddress>;
  /**
   * Stops accepting connections, answers 503 to new work, waits up to `shutdownTimeoutMs` for
   * in-flight requests, then cuts every connection still open (stalled uploads included) and
   * closes the scorer if `closeScorer` (a worker pool gets what is left of the deadline, then
   * its busy workers are terminated). Resolves by the deadline whatever the clients and the
   * workers do.
   */
  close(): Promise<void>;
}

/**
 * Creates a server speaking vLLM's score, rerank, embeddings and pooling protocol over any
 * `Scorer` (local or remote). Nothing listens until {@link RerankServer.listen}.
 *
 * @param options The scorer and limits; see {@link CreateServerOptions}.
 * @returns The server; call `listen()` to bind and `close()` to stop.
 * @throws {TypeError} when an option is invalid.
 * @example
 * ```ts
 * const scorer = await loadScorer("./models/bge-reranker");
 * const server = createServer({ scorer, servedModelName: "bge-reranker" });
 * const { url } = await server.listen({ port: 8000 });
 * // curl -s $url/rerank -H 'content-type: application/json' -d '{"query":"q","documents":["a","b"]}'
 * ```
 */
export function createServer(options: CreateServerOptions): RerankServer {
  const resolved = resolveOptions(options);
  const metrics = new Metrics();
  const slots = new Slots(resolved.concurrency, resolved.maxInFlight);
  // Bi-encoder scores follow vLLM (the server's own embeddings, no prompts) unless asked otherwise;
  // an image-text model scores its own mixed text / image pairs (no prompts either).
  const pairScorer =
    resolved.scorer.scoreType === "bi-encoder" && resolved.embedder && !resolved.scorePrompts && !has(resolved.scorer, "imageEmbed")
      ? vllmBiEncoderScorer(resolved.embedder, resolved.tokenizer)
      : resolved.scorer;
  const coalescer = new RequestCoalescer(slots, resolved.batching);
  const score = scoreStrategy(pairScorer, (pairs, requests) => {
    metrics.observeBatch(pairs, requests);
    resolved.batching.onBatch?.(pairs, requests);
  });
  const embedder = resolved.embedder;
  const embed = embedder && embedStrategies(embedder, has(embedder, "sequenceEmbed") ? embedder : undefined);
  const decodesImages = has(resolved.scorer, "imageEmbed") || (embedder !== undefined && has(embedder, "imageEmbed"));
  const media = decodesImages ? resolved.media : undefined;
  const ctx: ServerContext = { options: resolved, coalescer, score, embed, slots, metrics, media, closing: false };
  const app = createApp(ctx);
  const admission = new Admission({
    maxInFlight: resolved.maxInFlight,
    maxInFlightBodyBytes: resolved.maxInFlightBodyBytes,
    closing: () => ctx.closing,
  });
  let http: Server | undefined;
  const sockets = new Set<Socket>();
  let closed: Promise<void> | undefined;

  const listen = (listenOptions: ListenOptions = {}): Promise<ServerAddress> => {
    if (http) return Promise.reject(new Error("The server is already listening"));
    const hostname = listenOptions.host ?? "127.0.0.1";
    return new Promise<ServerAddress>((resolve, reject) => {
      // Admission runs before Hono sees the request, so a refused body is never read.
      const createServer = ((opts: object, listener: (req: IncomingMessage, res: ServerResponse) => void) =>
        createHttpServer(opts, (req, res) => {
          if (admission.admit(req, res)) listener(req, res);
        })) as typeof createHttpServer;
      const server = serve(
        {
          fetch: app.fetch,
          hostname,
          port: listenOptions.port ?? 8000,
          createServer,
          serverOptions: {
            // node:http refuses a header limit above the whole-request limit.
            headersTimeout: Math.min(resolved.headerTimeoutMs, resolved.bodyTimeoutMs),
            requestTimeout: resolved.bodyTimeoutMs,
            keepAliveTimeout: resolved.idleTimeoutMs,
            // Node enforces headersTimeout/requestTimeout on this tick; its 30 s default would
            // let a slow client overstay its limit by up to 30 s. Half the shorter limit bounds
            // the overstay; a 1 s tick measurably slowed keep-alive load (1700 requests: 19 s -> 30+ s).
            connectionsCheckingInterval: Math.max(100, Math.min(resolved.headerTimeoutMs, resolved.bodyTimeoutMs) / 2),
          },
        },
        (info: AddressInfo) => {
          server.off("error", reject);
          const host = info.address.includes(":") ? `[${info.address}]` : info.address;
          resolve({ host: info.address, port: info.port, url: `http://${host}:${info.port}` });
        },
      ) as Server;
      server.once("error", reject);
      // Tracked here because closeAllConnections() misses connections whose request node:http
      // has not fully registered yet; the shutdown deadline must cut every one.
      server.on("connection", (socket: Socket) => {
        sockets.add(socket);
        socket.once("close", () => sockets.delete(socket));
      });
      http = server;
    });
  };

  const shutdown = async (): Promise<void> => {
    ctx.closing = true;
    const server = http;
    const stopped = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, resolved.shutdownTimeoutMs);
      timer.unref();
    });
    const end = performance.now() + resolved.shutdownTimeoutMs;
    await Promise.race([Promise.all([slots.idle(), admission.idle()]), deadline]);
    // Keep-alive sockets turn idle only after their last response is written: sweep until closed.
    const sweep = setInterval(() => server?.closeIdleConnections(), 20);
    server?.closeIdleConnections();
    await Promise.race([stopped, deadline]);
    clearInterval(sweep);
    clearTimeout(timer);
    server?.closeAllConnections();
    for (const socket of sockets) socket.destroy();
    coalescer.dispose();
    // What is left of the deadline bounds the scorer's close: a worker pool cancels what still
    // runs and terminates a worker stuck in synchronous work instead of waiting for it.
    if (resolved.closeScorer) await closeAll(resolved, Math.max(0, end - performance.now()));
  };

  return {
    app,
    fetch: async (request) => app.fetch(request),
    listen,
    close: () => (closed ??= shutdown()),
  };
}

async function closeAll(options: ReturnType<typeof resolveOptions>, timeoutMs: number): Promise<void> {
  const owners = new Set<unknown>([options.scorer, options.embedder, options.tokenEmbedder]);
  for (const o of owners) {
    // `timeoutMs` is read by a worker pool's close (WorkerScorer); other scorers ignore it.
    const close = (o as { close?: (options: { timeoutMs: number }) => Promise<void> } | undefined)?.close;
    if (typeof close === "function") await close.call(o, { timeoutMs });
  }
}
