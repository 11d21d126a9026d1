import { describe, expect, it } from "vitest";
import { FakeScorer } from "./fakes.js";
import { post, start } from "./helpers.js";

const Q = "capital of france";
const DOCS = ["the capital of brazil is brasilia", "paris is the capital of france"];

/** A server whose request log goes to an array, one entry per written line. */
async function logged(format: "off" | "text" | "json", scorer = new FakeScorer()) {
  const lines: string[] = [];
  const { url } = await start({ scorer, requestLog: { format, write: (line) => void lines.push(line) } });
  return { url, lines };
}

describe("request log", () => {
  it("json: one line per request with method, path, status, duration, model and prompt tokens", async () => {
    const { url, lines } = await logged("json");
    const r = await post(`${url}/rerank`, { query: Q, documents: DOCS });
    await fetch(`${url}/health`);
    await post(`${url}/rerank`, { query: Q, documents: [] });
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.endsWith("\n") && l.indexOf("\n") === l.length - 1)).toBe(true);
    const [rerank, health, bad] = lines.map((l) => JSON.parse(l));
    expect(rerank).toMatchObject({ method: "POST", path: "/rerank", status: 200, model: "fake/cross-encoder", prompt_tokens: r.body.usage.prompt_tokens });
    expect(rerank.prompt_tokens).toBeGreaterThan(0);
    expect(typeof rerank.duration_ms).toBe("number");
    expect(rerank.duration_ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(rerank.time)).not.toBeNaN();
    expect(health).toMatchObject({ method: "GET", path: "/health", status: 200, model: null, prompt_tokens: null });
    expect(bad).toMatchObject({ path: "/rerank", status: 400, prompt_tokens: null });
    expect(bad.error).toBeUndefined();
  });

  it("text: one readable line per request", async () => {
    const { url, lines } = await logged("text");
    const r = await post(`${url}/score`, { queries: Q, documents: DOCS });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^rerank-kit: POST /score 200 \\d+(\\.\\d)? ms model=fake/cross-encoder prompt_tokens=${r.body.usage.prompt_tokens}\\n$`));
  });

  it("off: nothing for answered requests, but a 5xx is written with its error, and so is it in text", async () => {
    for (const format of ["off", "text"] as const) {
      const { url, lines } = await logged(format, new FakeScorer({ poison: "boom" }));
      // An answered request (200), then a scorer that throws: an unexpected error is a 500.
      await post(`${url}/rerank`, { query: Q, documents: DOCS });
      const broken = new FakeScorer();
      broken.scoreWithUsage = async () => {
        throw new Error("the model fell over");
      };
      const { url: url500, lines: lines500 } = await logged(format, broken);
      const failed = await post(`${url500}/rerank`, { query: Q, documents: DOCS });
      expect(failed.status).toBe(500);
      expect(lines, format).toHaveLength(format === "off" ? 0 : 1);
      expect(lines500, format).toHaveLength(1);
      expect(lines500[0]).toMatch(/^rerank-kit: POST \/rerank 500 [\d.]+ ms error="the model fell over"\n$/);
    }
  });

  it("refuses an unknown format, naming the option", async () => {
    await expect(start({ scorer: new FakeScorer(), requestLog: "verbose" as "text" })).rejects.toThrow(/requestLog/);
  });
});
