import { afterEach } from "vitest";
import { createServer, type CreateServerOptions, type RerankServer } from "../../src/server/index.js";

const open: RerankServer[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Starts a real server on 127.0.0.1, port 0; closed after each test. */
export async function start(options: CreateServerOptions): Promise<{ url: string; server: RerankServer }> {
  const server = createServer(options);
  open.push(server);
  const { url } = await server.listen({ port: 0 });
  return { url, server };
}

/** POSTs JSON and returns status, parsed body and headers. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}
