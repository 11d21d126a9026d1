import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Embedder, Scorer } from "../../../src/index.js";

/** A running stand-in server. */
export interface StandInServer {
  /** `http://127.0.0.1:<port>` */
  baseURL: string;
  /** Requests received, by path. */
  requests: Array<{ path: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * A minimal vLLM-protocol server (`/score`, `/rerank`, `/v1/embeddings`) over a local Scorer and
 * Embedder, bound to 127.0.0.1 on a free port. Test and example use only: no validation beyond
 * what the tests need; errors come back in vLLM's envelope.
 */
export async function startStandInServer(scorer: Scorer, embedder?: Embedder): Promise<StandInServer> {
  const requests: StandInServer["requests"] = [];
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      send(res, 400, { error: { message: String((error as Error)?.message ?? error), type: "BadRequestError", code: 400 } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] as string;
    if (req.method === "GET" && path === "/health") return send(res, 200, {});
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    requests.push({ path, body });
    const model = scorer.model;
    const usage = { prompt_tokens: 0, total_tokens: 0 };
    const activation = body.use_activation as boolean | undefined;
    if (path === "/score" || path === "/v1/score") {
      const queries = body.queries ?? body.text_1 ?? body.data_1;
      const documents = body.documents ?? body.items ?? body.text_2 ?? body.data_2;
      const scores = await scorer.score(queries as string[], documents as string[], activation === undefined ? {} : { activation });
      const data = scores.map((score, index) => ({ index, object: "score", score }));
      return send(res, 200, { id: "score-standin", object: "list", created: 0, model, data, usage });
    }
    if (path === "/rerank" || path === "/v1/rerank" || path === "/v2/rerank") {
      const documents = body.documents as string[];
      const topN = (body.top_n as number | undefined) ?? 0;
      const ranked = await scorer.rerank(body.query as string, documents, { topN, ...(activation === undefined ? {} : { activation }) });
      const results = ranked.map((r) => ({ index: r.index, document: { text: documents[r.index], multi_modal: null }, relevance_score: r.score }));
      return send(res, 200, { id: "score-standin", model, usage, results });
    }
    if (path === "/v1/embeddings" && embedder) {
      const input = typeof body.input === "string" ? [body.input] : (body.input as string[]);
      const vectors = await embedder.embed(input, { kind: "document" });
      const data = vectors.map((v, index) => ({ index, object: "embedding", embedding: Array.from(v) }));
      return send(res, 200, { id: "embd-standin", object: "list", created: 0, model: embedder.model, data, usage });
    }
    send(res, 404, { error: { message: `Not Found: ${path}`, type: "NotFoundError", code: 404 } });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
