import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request as the fake server saw it. */
export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
  raw: string;
}

/** Handles a request; returns false to fall through to the next handler. */
export type Handler = (req: Recorded, res: ServerResponse) => boolean | void | Promise<boolean | void>;

/** A real node:http server on 127.0.0.1 with a request log and a queue of one-shot faults. */
export interface TestServer {
  url: string;
  requests: Recorded[];
  /** One-shot handlers run before the routes, in order (each consumed by one request). */
  faults: Handler[];
  /** Requests currently being handled. */
  inFlight: () => number;
  maxInFlight: () => number;
  reset(): void;
  close(): Promise<void>;
}

/** Starts a server on a free port of 127.0.0.1. */
export async function startServer(routes: Handler): Promise<TestServer> {
  const requests: Recorded[] = [];
  const faults: Handler[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        // keep the raw text as the body: the routes answer 400 for it
      }
      const rec: Recorded = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, body, raw };
      requests.push(rec);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on("close", () => inFlight--);
      const fault = faults.shift();
      if (fault && (await fault(rec, res)) !== false) return;
      if ((await routes(rec, res)) === false) sendJSON(res, 404, { detail: "Not Found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    reset() {
      requests.length = 0;
      faults.length = 0;
      maxInFlight = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Writes a JSON answer. */
export function sendJSON(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Writes a raw answer. */
export function sendRaw(res: ServerResponse, status: number, text: string, type = "application/json"): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

// ---- one-shot faults -------------------------------------------------------------------

/** Answers `status` with `body` and optional headers. */
export const failWith =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) =>
    sendJSON(res, status, body, headers);

/** Sends headers and half a body, then destroys the socket (connection reset mid-body). */
export const resetMidBody: Handler = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
  res.write('{"data": [{"index": 0,');
  setTimeout(() => res.socket?.destroy(), 5);
};

/** Answers a 200 whose body is not JSON. */
export const malformed =
  (text: string): Handler =>
  (_req, res) =>
    sendRaw(res, 200, text);

/** Waits `ms` before letting the routes answer (past a short client timeout). */
export const delay =
  (ms: number, routes: Handler): Handler =>
  async (req, res) => {
    await new Promise((r) => setTimeout(r, ms));
    if (!res.destroyed) await routes(req, res);
  };
