import type { IncomingMessage, ServerResponse } from "node:http";
import { toErrorResponse } from "../http/error-response.js";
import { HttpError } from "../http/http-error.js";

/** Limits of {@link Admission}. */
export interface AdmissionLimits {
  /** Requests with a body admitted at once. */
  maxInFlight: number;
  /** Total body bytes of the admitted requests (declared or, for chunked bodies, received so far). */
  maxInFlightBodyBytes: number;
  /** True while the server shuts down: everything with a body is refused. */
  closing: () => boolean;
}

/** Methods whose requests carry no body worth bounding (probes, docs, metrics stay answerable). */
const BODYLESS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Decides admission at the socket, before a byte of the body is read: past `maxInFlight`
 * requests, or when a declared `Content-Length` would push the in-flight bytes past
 * `maxInFlightBodyBytes`, the answer is an immediate 503 with `Retry-After` and the connection is
 * closed without reading the body. Chunked bodies are counted as they stream and cut the same way
 * once over the budget. So neither parsing work nor memory grows with the offered load.
 */
export class Admission {
  /** Admitted requests not yet answered. */
  inFlight = 0;
  /** Body bytes reserved or received by admitted requests. */
  bodyBytes = 0;
  /** Requests refused with 503 since the start. */
  refused = 0;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private readonly limits: AdmissionLimits) {}

  /**
   * Admits `req` or answers it with 503. Returns true when admitted; the request is then counted
   * until its response closes.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    if (BODYLESS.has(req.method ?? "GET")) return true;
    const declared = Number(req.headers["content-length"]);
    const length = Number.isFinite(declared) && declared >= 0 ? declared : 0;
    const { maxInFlight, maxInFlightBodyBytes } = this.limits;
    if (this.limits.closing()) return this.refuse(res, "The server is shutting down.", req);
    if (this.inFlight >= maxInFlight) {
      return this.refuse(res, `The server is busy (${this.inFlight} requests in flight, limit ${maxInFlight}); retry later.`, req);
    }
    if (length > 0 && this.bodyBytes + length > maxInFlightBodyBytes && this.inFlight > 0) {
      return this.refuse(
        res,
        `The server is busy (${this.bodyBytes} request body bytes in flight, limit ${maxInFlightBodyBytes}); retry later.`,
        req,
      );
    }
    this.inFlight++;
    let reserved = length;
    this.bodyBytes += reserved;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.bodyBytes -= reserved;
      if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((w) => w());
    };
    res.once("close", release);
    if (!(length > 0)) this.countStreamed(req, res, () => reserved, (n) => (reserved += n));
    return true;
  }

  /** Counts a body without a declared length chunk by chunk, cutting it once over the budget. */
  private countStreamed(req: IncomingMessage, res: ServerResponse, reserved: () => number, grow: (n: number) => void): void {
    const emit = req.emit.bind(req);
    // Wrapping emit sees every chunk whoever reads it (flowing or paused), without consuming any.
    req.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
      if (event === "data" && !res.headersSent) {
        const n = (args[0] as { length: number }).length;
        grow(n);
        this.bodyBytes += n;
        if (this.bodyBytes > this.limits.maxInFlightBodyBytes && this.bodyBytes > reserved()) {
          this.refuse(res, `The server is busy (request body bytes in flight over ${this.limits.maxInFlightBodyBytes}); retry later.`);
          // The app is still reading this body: its later answer must not hit a finished response.
          res.writeHead = (() => res) as typeof res.writeHead;
          res.write = (() => true) as typeof res.write;
          res.end = (() => res) as typeof res.end;
          req.destroy();
          return false;
        }
      }
      return emit(event, ...args);
    }) as typeof req.emit;
  }

  private refuse(res: ServerResponse, message: string, req?: IncomingMessage): false {
    this.refused++;
    if (res.headersSent) return false;
    // The body is discarded as it arrives (nothing is buffered or parsed), so a client that
    // writes its whole body before reading, as fetch does, still gets the 503 instead of a reset.
    req?.resume();
    const answer = toErrorResponse(new HttpError(503, "ServiceUnavailableError", message));
    const body = JSON.stringify(answer.body);
    res.writeHead(503, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      "retry-after": "1",
      connection: "close",
    });
    res.end(body);
    return false;
  }

  /** Resolves when no admitted request is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
