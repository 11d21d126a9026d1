import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestError, RemoteScorer } from "../../src/remote/index.js";
import { startServer, type TestServer } from "./fakes/http-server.js";
import { refScore, sigmoid } from "./fakes/reference.js";
import { vllmRoutes } from "./fakes/vllm-server.js";

// Client-side cases of vLLM's own score and rerank tests (their numbers), against the fake vLLM
// (bge-reranker-base with --max-model-len 100).
const MODEL = "BAAI/bge-reranker-base";
let server: TestServer;
beforeAll(async () => {
  server = await startServer(vllmRoutes({ model: MODEL, maxModelLen: 100 }));
});
afterAll(() => server.close());
const make = () => new RemoteScorer({ baseURL: server.url, model: MODEL });
const queries = ["What is the capital of Brazil?", "What is the capital of France?"];
const docs = ["The capital of Brazil is Brasilia.", "The capital of France is Paris."];

describe("vLLM conformance (client side)", () => {
  it("1. /v1/models lists the served model first", async () => {
    expect((await make().listModels())[0]?.id).toBe(MODEL);
  });

  it("3. str+str gives 1 score, str+list[2] gives 2, list[2]+list[2] gives 2 zipped", async () => {
    const s = make();
    expect(await s.score(queries[1] as string, docs[1] as string)).toHaveLength(1);
    expect(await s.score(queries[1] as string, docs)).toEqual(docs.map((d) => refScore(queries[1], d)));
    expect(await s.score(queries, docs)).toEqual(docs.map((d, i) => refScore(queries[i], d)));
  });

  it("4. the same N:N request under each accepted field-name pair gives the same scores", async () => {
    const results = [];
    for (const fields of [["queries", "documents"], ["queries", "items"], ["text_1", "text_2"], ["data_1", "data_2"]] as const) {
      results.push(await make().withOptions({ scoreFieldNames: fields }).score(queries, docs));
    }
    for (const r of results) expect(r).toEqual(results[0]);
  });

  it("5-6. rerank sorts descending; topN 2 over 3 documents gives exactly 2", async () => {
    const three = [...docs, "Bananas are yellow."];
    for (const endpoint of ["score", "rerank"] as const) {
      const r = await make().withOptions({ endpoint }).rerank(queries[1] as string, three, { topN: 2 });
      expect(r).toHaveLength(2);
      expect(r[0]?.index).toBe(1);
      expect(r[0]!.score).toBeGreaterThanOrEqual(r[1]!.score);
    }
  });

  it("7. a prompt longer than max_model_len is a BadRequestError asking to reduce the input", async () => {
    const long = `${queries[1]} `.repeat(20);
    const e = (await make().score(long, docs).catch((x: unknown) => x)) as BadRequestError;
    expect(e).toBeInstanceOf(BadRequestError);
    expect(e.serverMessage).toMatch(/Please reduce the length of the input prompt/);
    expect(e.param).toBe("input_tokens");
  });

  it("8. truncatePromptTokens above max_model_len is a BadRequestError asking for a smaller size", async () => {
    await expect(make().score(queries[1] as string, docs, { truncatePromptTokens: 101 })).rejects.toThrow(
      /Please request a smaller truncation size/,
    );
  });

  it("10. activation undefined equals true; false gives raw logits whose sigmoid equals the default", async () => {
    const s = make();
    const byDefault = await s.score(queries[1] as string, docs);
    expect(await s.score(queries[1] as string, docs, { activation: true })).toEqual(byDefault);
    const raw = await s.score(queries[1] as string, docs, { activation: false });
    expect(raw).not.toEqual(byDefault);
    raw.forEach((x, i) => expect(sigmoid(x)).toBeCloseTo(byDefault[i] as number, 12));
  });

  it("9.3: X-Request-Id is sent as given (the server answers id score-<id>)", async () => {
    server.reset();
    await make().score(queries[0] as string, docs, { requestId: "abc" });
    expect(server.requests[0]?.headers["x-request-id"]).toBe("abc");
  });
});
