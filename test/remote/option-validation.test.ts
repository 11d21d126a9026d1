import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors/index.js";
import { RemoteEmbedder, RemoteScorer, VllmClient } from "../../src/remote/index.js";

/** A fetch that records each JSON body and answers with `reply(body)`. */
function recordingFetch(reply: (body: Record<string, unknown>) => unknown): { fetch: typeof globalThis.fetch; bodies: Array<Record<string, unknown>> } {
  const bodies: Array<Record<string, unknown>> = [];
  const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    bodies.push(body);
    return new Response(JSON.stringify(reply(body)), { status: 200, headers: { "content-type": "application/json" } });
  }) as typeof globalThis.fetch;
  return { fetch, bodies };
}

const scoreReply = (body: Record<string, unknown>) => ({
  data: (body.text_2 as string[]).map((_, index) => ({ index, score: 0.5 })),
  usage: { prompt_tokens: 1, total_tokens: 1 },
});
const embedReply = (body: Record<string, unknown>) => ({
  data: (body.input as string[]).map((_, index) => ({ index, embedding: [1, 0] })),
  usage: { prompt_tokens: 1, total_tokens: 1 },
});

function caught(fn: () => unknown): InvalidOptionError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidOptionError);
    return e as InvalidOptionError;
  }
  throw new Error("did not throw");
}

describe("remote constructors check their options through the option rules", () => {
  it.each([
    ["RemoteScorer", "baseUrl", "baseURL", () => new RemoteScorer({ baseUrl: "http://127.0.0.1:1" } as never)],
    ["RemoteScorer", "maxDocumentPerRequest", "maxDocumentsPerRequest", () => new RemoteScorer({ baseURL: "http://127.0.0.1:1", maxDocumentPerRequest: 8 } as never)],
    ["RemoteEmbedder", "query_prefix", "queryPrefix", () => new RemoteEmbedder({ baseURL: "http://127.0.0.1:1", query_prefix: "q: " } as never)],
    ["VllmClient", "apikey", "apiKey", () => new VllmClient({ baseURL: "http://127.0.0.1:1", apikey: "k" } as never)],
  ] as const)("%s refuses a misspelled option `%s` with a hint naming `%s`", (where, option, suggestion, make) => {
    const error = caught(make);
    expect(error.option).toBe(option);
    expect(error.suggestions[0]).toBe(suggestion);
    expect(error.message).toContain(where);
    expect(error.message).toContain(`did you mean \`${suggestion}\``);
  });

  it("refuses an option of another remote client as not supported here", () => {
    const error = caught(() => new RemoteScorer({ baseURL: "http://127.0.0.1:1", queryPrefix: "q: " } as never));
    expect(error.message).toMatch(/`queryPrefix` is not supported here/);
  });

  it("refuses a scoreType outside the one list of score types", () => {
    const error = caught(() => new RemoteScorer({ baseURL: "http://127.0.0.1:1", scoreType: "colbert" as never }));
    expect(error.allowed).toBe('"cross-encoder" | "bi-encoder" | "late-interaction"');
  });

  it("refuses a misspelled per-call embed option with a hint", async () => {
    const { fetch } = recordingFetch(embedReply);
    const embedder = new RemoteEmbedder({ baseURL: "http://127.0.0.1:1", fetch });
    await expect(embedder.embed(["a"], { dimension: 4 } as never)).rejects.toMatchObject({ name: "InvalidOptionError", suggestions: ["dimensions"] });
  });
});

describe("remote truncation and query prompts reach the server", () => {
  it("sends truncate: true to vLLM as truncate_prompt_tokens -1 (the model's limit)", async () => {
    const { fetch, bodies } = recordingFetch(scoreReply);
    const scorer = new RemoteScorer({ baseURL: "http://127.0.0.1:1", fetch });
    await scorer.score("q", ["a", "b"], { truncate: true });
    expect(bodies[0]?.truncate_prompt_tokens).toBe(-1);
    await scorer.score("q", ["a"], { truncate: true, truncatePromptTokens: 7 });
    expect(bodies[1]?.truncate_prompt_tokens).toBe(7);
    await scorer.score("q", ["a"]);
    expect(bodies[2]).not.toHaveProperty("truncate_prompt_tokens");
  });

  it.each(["vllm", "openai"] as const)("refuses kind: query on the %s dialect without a queryPrefix, rather than embed it as a document", async (dialect) => {
    const { fetch, bodies } = recordingFetch(embedReply);
    const embedder = new RemoteEmbedder({ baseURL: "http://127.0.0.1:1", dialect, fetch });
    await expect(embedder.embed(["q"], { kind: "query" })).rejects.toMatchObject({ name: "InvalidOptionError", option: "kind" });
    expect(bodies).toHaveLength(0);
    await embedder.embed(["d"]);
    expect(bodies[0]?.input).toEqual(["d"]);
  });

  it("prepends queryPrefix to queries (an empty prefix embeds them as given)", async () => {
    const { fetch, bodies } = recordingFetch(embedReply);
    await new RemoteEmbedder({ baseURL: "http://127.0.0.1:1", fetch, queryPrefix: "query: " }).embed(["q"], { kind: "query" });
    await new RemoteEmbedder({ baseURL: "http://127.0.0.1:1", fetch, queryPrefix: "" }).embed(["q"], { kind: "query" });
    expect(bodies.map((b) => b.input)).toEqual([["query: q"], ["q"]]);
  });
});
