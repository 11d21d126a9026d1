/**
 * A remote server's answers are read bounded: a 2xx body over `maxResponseBytes` (counted after
 * decompression) is a MalformedResponseError instead of a process abort or a 4 GB heap, and a
 * huge error body becomes a short APIError message.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APIError, MalformedResponseError } from "../../src/remote/index.js";
import { resolveClientConfig } from "../../src/remote/config.js";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../../src/remote/read-body.js";
import { Transport } from "../../src/remote/transport.js";

const MiB = 1024 * 1024;
/** A valid JSON answer of about `bytes` bytes. */
const bigJson = (bytes: number) => JSON.stringify({ pad: "x".repeat(bytes), data: [] });

let server: Server;
let url: string;
const routes: Record<string, (res: ServerResponse) => void> = {
  "/big": (res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(bigJson(2 * MiB))) });
    res.end(bigJson(2 * MiB));
  },
  "/chunked": (res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const body = bigJson(2 * MiB);
    for (let i = 0; i < body.length; i += 64 * 1024) res.write(body.slice(i, i + 64 * 1024));
    res.end();
  },
  "/gzip": (res) => {
    const zipped = gzipSync(bigJson(16 * MiB));
    res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": String(zipped.length) });
    res.end(zipped);
  },
  "/small": (res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"data":[1]}');
  },
  "/error": (res) => {
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: "m".repeat(5 * MiB), type: "BadRequestError", code: 400 } }));
  },
};

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    (routes[req.url ?? ""] ?? ((r: ServerResponse) => r.writeHead(404).end()))(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const transport = (maxResponseBytes?: number) =>
  new Transport(resolveClientConfig({ baseURL: url, maxRetries: 0, ...(maxResponseBytes !== undefined && { maxResponseBytes }) }));
const get = (t: Transport, path: string) => t.request({ method: "GET", path });

describe("maxResponseBytes", () => {
  it("defaults to 64 MiB and refuses a bad value", () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(64 * MiB);
    expect(resolveClientConfig({ baseURL: url }).maxResponseBytes).toBe(64 * MiB);
    expect(() => resolveClientConfig({ baseURL: url, maxResponseBytes: 0 })).toThrow(/option `maxResponseBytes` must be an integer >= 1, got 0/);
  });

  it.each(["/big", "/chunked"])("refuses a 2xx body over the limit (%s: by content-length, or counted while streaming)", async (path) => {
    const error = await get(transport(MiB), path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toBe(
      `Malformed response from ${url}${path}: the body is larger than maxResponseBytes (${MiB} bytes); raise maxResponseBytes or request fewer items per call`,
    );
    await expect(get(transport(4 * MiB), path)).resolves.toMatchObject({ status: 200 });
  });

  it("counts a gzip body by what it inflates to (a small download must not become gigabytes)", async () => {
    const error = await get(transport(4 * MiB), "/gzip").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toContain("the body is larger than maxResponseBytes (4194304 bytes)");
  });

  it("reads a small body as before", async () => {
    expect((await get(transport(), "/small")).data).toEqual({ data: [1] });
  });
});

describe("error bodies", () => {
  it("a 5 MB error message is quoted short in the APIError message", async () => {
    const error = await get(transport(), "/error").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(400);
    expect((error as Error).message.length).toBeLessThan(2200);
    expect((error as Error).message.startsWith(`GET ${url}/error failed with 400`)).toBe(true);
  });
});
