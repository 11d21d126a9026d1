/**
 * An async `onProgress` that rejects fails the remote call, as it does in process and in a worker,
 * instead of becoming an unhandled rejection that ends the process (issue 25 item 9).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RemoteEmbedder, RemoteScorer } from "../../src/remote/index.js";
import { startServer, type TestServer } from "./fakes/http-server.js";
import { vllmRoutes } from "./fakes/vllm-server.js";

const DOCS = ["paris capital", "banana", "berlin city", "seine river", "france"];
let server: TestServer;
beforeAll(async () => {
  server = await startServer(vllmRoutes({ model: "m" }));
});
afterAll(() => server.close());

const rejecting = async (): Promise<void> => {
  await new Promise((r) => setTimeout(r, 1));
  throw new Error("async progress callback failed");
};

/** Runs `call` and reports the unhandled rejections seen meanwhile (and a little after). */
async function unhandledDuring(call: () => Promise<unknown>): Promise<{ error: unknown; unhandled: unknown[] }> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): number => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 50));
    return { error, unhandled };
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
}

describe("an async onProgress that rejects", () => {
  it("fails RemoteScorer.score with the callback's error (one request and several)", async () => {
    for (const maxDocumentsPerRequest of [100, 2]) {
      const scorer = new RemoteScorer({ baseURL: server.url, model: "m", maxDocumentsPerRequest, sleep: async () => undefined });
      const { error, unhandled } = await unhandledDuring(() => scorer.score("capital", DOCS, { onProgress: rejecting }));
      expect((error as Error | undefined)?.message).toBe("async progress callback failed");
      expect(unhandled).toEqual([]);
      await expect(scorer.score("capital", DOCS)).resolves.toHaveLength(DOCS.length);
    }
  });

  it("fails RemoteScorer.rerank with the callback's error", async () => {
    const scorer = new RemoteScorer({ baseURL: server.url, model: "m", sleep: async () => undefined });
    const { error, unhandled } = await unhandledDuring(() => scorer.rerank("capital", DOCS, { onProgress: rejecting }));
    expect((error as Error | undefined)?.message).toBe("async progress callback failed");
    expect(unhandled).toEqual([]);
  });

  it("fails RemoteEmbedder.embed with the callback's error (one request and several)", async () => {
    for (const maxTextsPerRequest of [100, 2]) {
      const embedder = new RemoteEmbedder({ baseURL: `${server.url}/v1`, model: "m", maxTextsPerRequest, sleep: async () => undefined });
      const { error, unhandled } = await unhandledDuring(() => embedder.embed(DOCS, { onProgress: rejecting }));
      expect((error as Error | undefined)?.message).toBe("async progress callback failed");
      expect(unhandled).toEqual([]);
      await expect(embedder.embed(DOCS)).resolves.toHaveLength(DOCS.length);
    }
  });
});
