// The server runtime's small parts, checked on what they hand back: the Prometheus text, the
// admission 503, usage shares of merged calls, the batch key, /health readiness, how a waiting
// request settles, and vLLM's bi-encoder score with per-side limits and prompt truncation.
import { describe, expect, it } from "vitest";
import { AbortError } from "../../../src/errors/abort-error.js";
import { ContextLengthError } from "../../../src/errors/context-length-error.js";
import { HttpError } from "../../../src/server/http/http-error.js";
import { abortReason, settle } from "../../../src/server/runtime/batch-member.js";
import { groupKey } from "../../../src/server/runtime/group-key.js";
import { Metrics } from "../../../src/server/runtime/metrics.js";
import { workersDown } from "../../../src/server/runtime/readiness.js";
import { Slots } from "../../../src/server/runtime/slots.js";
import { splitUsage } from "../../../src/server/runtime/split-usage.js";
import { tensorBytes } from "../../../src/server/runtime/tensor-bytes.js";
import { vllmBiEncoderScorer } from "../../../src/server/runtime/vllm-bi-encoder.js";
import type { Embedder, EmbedOptions } from "../../../src/types.js";

describe("Metrics", () => {
  it("renders counters, latency buckets, batch histograms and gauges in exposition format", () => {
    const m = new Metrics();
    m.observeRequest("/score", 200, 0.02);
    m.observeRequest("/score", 200, 3);
    m.observeRequest("/score", 422, 0.001);
    m.observeBatch(3, 2);
    const text = m.render({ queued: 4, running: 2, inFlight: 6 });
    const lines = text.split("\n");
    expect(text.endsWith("\n")).toBe(true);
    // Exposition format: every line is a HELP / TYPE comment or a sample, from the first on.
    expect(lines[0]).toMatch(/^# HELP rerank_kit_requests_total \S/);
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^(# (HELP|TYPE) rerank_kit_\w+ \S.*|rerank_kit_\w+(\{[^}]*\})? -?[\d.e+-]+)$/);
    expect(lines).toContain('rerank_kit_requests_total{route="/score",status="200"} 2');
    expect(lines).toContain('rerank_kit_requests_total{route="/score",status="422"} 1');
    // Cumulative buckets: <= 0.005 holds only the 1 ms request, <= 0.025 also the 20 ms one.
    expect(lines).toContain('rerank_kit_request_duration_seconds_bucket{route="/score",le="0.005"} 1');
    expect(lines).toContain('rerank_kit_request_duration_seconds_bucket{route="/score",le="0.01"} 1');
    expect(lines).toContain('rerank_kit_request_duration_seconds_bucket{route="/score",le="0.025"} 2');
    expect(lines).toContain('rerank_kit_request_duration_seconds_bucket{route="/score",le="2.5"} 2');
    expect(lines).toContain('rerank_kit_request_duration_seconds_bucket{route="/score",le="5"} 3');
    expect(lines).toContain('rerank_kit_request_duration_seconds_bucket{route="/score",le="30"} 3');
    expect(lines).toContain('rerank_kit_request_duration_seconds_bucket{route="/score",le="+Inf"} 3');
    expect(lines).toContain('rerank_kit_request_duration_seconds_sum{route="/score"} 3.021');
    expect(lines).toContain('rerank_kit_request_duration_seconds_count{route="/score"} 3');
    expect(lines).toContain('rerank_kit_batch_pairs_bucket{le="2"} 0');
    expect(lines).toContain('rerank_kit_batch_pairs_bucket{le="4"} 1');
    expect(lines).toContain('rerank_kit_batch_pairs_bucket{le="+Inf"} 1');
    expect(lines).toContain("rerank_kit_batch_pairs_sum 3");
    expect(lines).toContain("rerank_kit_batch_pairs_count 1");
    expect(lines).toContain('rerank_kit_batch_requests_bucket{le="1"} 0');
    expect(lines).toContain('rerank_kit_batch_requests_bucket{le="2"} 1');
    expect(lines).toContain("rerank_kit_batch_requests_sum 2");
    for (const [name, value] of [["rerank_kit_queue_depth", 4], ["rerank_kit_inference_running", 2], ["rerank_kit_requests_in_flight", 6]] as const) {
      const at = lines.indexOf(`${name} ${value}`);
      expect(at, name).toBeGreaterThan(1);
      expect(lines[at - 1]).toBe(`# TYPE ${name} gauge`);
      expect(lines[at - 2]).toMatch(new RegExp(`^# HELP ${name} \\S`));
    }
    for (const [name, type] of [
      ["rerank_kit_requests_total", "counter"],
      ["rerank_kit_request_duration_seconds", "histogram"],
      ["rerank_kit_batch_pairs", "histogram"],
      ["rerank_kit_batch_requests", "histogram"],
    ]) {
      expect(lines, name).toContain(`# TYPE ${name} ${type}`);
      expect(lines.some((l) => l.startsWith(`# HELP ${name} `) && l.length > `# HELP ${name} `.length + 5), name).toBe(true);
    }
  });

  it("escapes backslashes, quotes and newlines in route labels", () => {
    const m = new Metrics();
    m.observeRequest('a\\b"c\nd', 500, 0.1);
    const text = m.render({ queued: 0, running: 0, inFlight: 0 });
    expect(text).toContain('rerank_kit_requests_total{route="a\\\\b\\"c\\nd",status="500"} 1');
    expect(text).toContain('rerank_kit_request_duration_seconds_count{route="a\\\\b\\"c\\nd"} 1');
  });

  it("renders empty histograms with zero counts", () => {
    const text = new Metrics().render({ queued: 0, running: 0, inFlight: 0 });
    expect(text).toContain('rerank_kit_batch_pairs_bucket{le="1"} 0');
    expect(text).toContain('rerank_kit_batch_pairs_bucket{le="512"} 0');
    expect(text).toContain("rerank_kit_batch_pairs_count 0");
    expect(text).not.toContain("rerank_kit_requests_total{");
  });
});

describe("Slots", () => {
  it("admits up to maxInFlight, then answers 503 with Retry-After naming the numbers", () => {
    const slots = new Slots(1, 2);
    const a = slots.admit();
    slots.admit();
    let error: unknown;
    try {
      slots.admit();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpError);
    const http = error as HttpError;
    expect(http.status).toBe(503);
    expect(http.type).toBe("ServiceUnavailableError");
    expect(http.message).toBe("The server is busy (2 requests in flight, limit 2); retry later.");
    expect(http.headers).toEqual({ "Retry-After": "1" });
    expect(slots.inFlight).toBe(2);
    // Releasing twice frees one place only.
    a();
    a();
    expect(slots.inFlight).toBe(1);
    expect(() => slots.admit()).not.toThrow();
    expect(() => slots.admit()).toThrow(HttpError);
  });

  it("counts queued requests as admitted minus running, never below zero", async () => {
    const slots = new Slots(1, 10);
    expect(slots.queued).toBe(0);
    slots.admit();
    slots.admit();
    expect(slots.queued).toBe(2);
    const release = await slots.acquire();
    expect(slots.running).toBe(1);
    expect(slots.queued).toBe(1);
    expect(slots.available).toBe(false);
    release();
    expect(slots.available).toBe(true);
    const idle = new Slots(2, 10);
    await idle.acquire();
    await idle.acquire();
    expect(idle.queued).toBe(0);
  });

  it("hands slots over FIFO, keeps running constant across a hand-over, and tells release listeners", async () => {
    const slots = new Slots(1, 10);
    const events: string[] = [];
    slots.addReleaseListener(() => events.push(`released, running ${slots.running}`));
    const first = await slots.acquire();
    const order: number[] = [];
    const second = slots.acquire().then((r) => (order.push(2), r));
    const third = slots.acquire().then((r) => (order.push(3), r));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    first();
    first();
    const r2 = await second;
    expect(order).toEqual([2]);
    expect(slots.running).toBe(1);
    r2();
    const r3 = await third;
    expect(order).toEqual([2, 3]);
    r3();
    expect(slots.running).toBe(0);
    expect(events).toEqual(["released, running 1", "released, running 1", "released, running 0"]);
  });

  it("resolves idle() when the last admitted request is answered", async () => {
    const slots = new Slots(1, 10);
    await slots.idle();
    const a = slots.admit();
    const b = slots.admit();
    let idle = false;
    const waiting = slots.idle().then(() => (idle = true));
    a();
    await new Promise((r) => setTimeout(r, 5));
    expect(idle).toBe(false);
    b();
    await waiting;
    expect(idle).toBe(true);
  });
});

describe("splitUsage", () => {
  const q = ["q", "q", "q"];
  it("keeps a lone request's response as it is", () => {
    const response = { scores: [1, 2], usage: { promptTokens: 9, totalTokens: 9 } };
    expect(splitUsage(response, [2], ["a", "b"], ["c", "d"])[0]).toBe(response);
  });

  it("gives each request its pairs' own token counts when the scorer reports them", () => {
    const parts = splitUsage({ scores: [0.1, 0.2, 0.3], usage: { promptTokens: 12, totalTokens: 12 }, pairTokens: [2, 4, 6] }, [1, 2], q, ["a", "b", "c"]);
    expect(parts).toEqual([
      { scores: [0.1], usage: { promptTokens: 2, totalTokens: 2 }, pairTokens: [2] },
      { scores: [0.2, 0.3], usage: { promptTokens: 10, totalTokens: 10 }, pairTokens: [4, 6] },
    ]);
  });

  it("shares the total by text length otherwise, the last request taking the remainder", () => {
    // Weights (query + document characters): 1+1, 1+3, 1+5 -> 2/12, 4/12, 6/12 of 10 tokens.
    const parts = splitUsage({ scores: [1, 2, 3], usage: { promptTokens: 10, totalTokens: 10 } }, [1, 1, 1], q, ["a", "bbb", "ccccc"]);
    expect(parts.map((p) => p.usage.promptTokens)).toEqual([2, 3, 5]);
    expect(parts.map((p) => p.usage.totalTokens)).toEqual([2, 3, 5]);
    expect(parts.map((p) => p.scores)).toEqual([[1], [2], [3]]);
    expect(parts.every((p) => !("pairTokens" in p))).toBe(true);
    // Object inputs weigh as their JSON text.
    const objects = splitUsage({ scores: [1, 2], usage: { promptTokens: 8, totalTokens: 8 } }, [1, 1], [{ content: [] } as never, "q"], ["d", "ddd"]);
    // {"content":[]} is 14 characters: (14+1)/(15+4) of 8 tokens, rounded.
    expect(objects.map((p) => p.usage.promptTokens)).toEqual([6, 2]);
  });

  it("falls back to text length when pairTokens do not cover every score", () => {
    const parts = splitUsage({ scores: [1, 2], usage: { promptTokens: 6, totalTokens: 6 }, pairTokens: [5] }, [1, 1], ["q", "q"], ["dd", "dd"]);
    expect(parts.map((p) => p.usage.promptTokens)).toEqual([3, 3]);
    expect(parts.every((p) => !("pairTokens" in p))).toBe(true);
  });

  it("survives empty texts (no division by zero)", () => {
    const parts = splitUsage({ scores: [1, 2], usage: { promptTokens: 4, totalTokens: 4 } }, [1, 1], ["", ""], ["", ""]);
    expect(parts.map((p) => p.usage.promptTokens)).toEqual([0, 4]);
  });
});

describe("groupKey", () => {
  it("is equal for options equal in value, whatever the key order, and apart otherwise", () => {
    expect(groupKey("k", { a: 1, b: { c: [1, { d: 2, e: 3 }] } })).toBe(groupKey("k", { b: { c: [1, { e: 3, d: 2 }] }, a: 1 }));
    expect(groupKey("k", { a: 1 })).not.toBe(groupKey("j", { a: 1 }));
    expect(groupKey("k", { a: [1, 2] })).not.toBe(groupKey("k", { a: [2, 1] }));
    expect(groupKey("k", { a: { b: 1 } })).not.toBe(groupKey("k", { a: { b: 2 } }));
  });

  it("keeps NaN, Infinity, -Infinity and null apart", () => {
    const keys = [Number.NaN, Infinity, -Infinity, null, 0].map((v) => groupKey("k", { v }));
    expect(new Set(keys).size).toBe(5);
    expect(groupKey("k", { v: [Number.NaN] })).not.toBe(groupKey("k", { v: [null] }));
    expect(groupKey("k", { v: { w: Infinity } })).not.toBe(groupKey("k", { v: { w: null } }));
    expect(groupKey("k", { v: Number.NaN })).toBe(groupKey("k", { v: Number.NaN }));
  });

  it("leaves out undefined and functions, as JSON does", () => {
    expect(groupKey("k", { a: 1, b: undefined, f: () => 1 })).toBe(groupKey("k", { a: 1 }));
  });
});

describe("workersDown", () => {
  it("is true only when a worker pool has no live worker", () => {
    expect(workersDown([])).toBe(false);
    expect(workersDown([{}, null, 3, "x"])).toBe(false);
    expect(workersDown([{ liveWorkers: 2 }])).toBe(false);
    expect(workersDown([{ liveWorkers: 2 }, { liveWorkers: 0 }])).toBe(true);
    expect(workersDown([{ liveWorkers: "0" }])).toBe(false);
  });
});

describe("settle and abortReason", () => {
  const member = () => {
    const seen: string[] = [];
    return { seen, m: { settled: false, resolve: (r: unknown) => void seen.push(`ok ${String(r)}`), reject: (e: unknown) => void seen.push(`err ${(e as Error).message}`) } };
  };

  it("settles once: the first of result, error or abort wins", () => {
    const a = member();
    settle(a.m, "x");
    settle(a.m, undefined, new Error("late"));
    expect(a.seen).toEqual(["ok x"]);
    const b = member();
    settle(b.m, "x", new Error("boom"));
    expect(b.seen).toEqual(["err boom"]);
    const c = member();
    settle(c.m, undefined);
    expect(c.seen).toEqual(["err missing result"]);
  });

  it("rejects with the caller's own reason, or an AbortError carrying it", () => {
    const own = new Error("client went away");
    const c1 = new AbortController();
    c1.abort(own);
    expect(abortReason(c1.signal)).toBe(own);
    const c2 = new AbortController();
    c2.abort();
    const r2 = abortReason(c2.signal);
    expect(r2).toBeInstanceOf(AbortError);
    expect((r2 as Error).message).toBe("The request was aborted.");
    const c3 = new AbortController();
    c3.abort("plain");
    expect((abortReason(c3.signal) as Error).cause).toBe("plain");
  });
});

describe("tensorBytes", () => {
  it("writes float32 in the asked byte order", () => {
    const v = Float32Array.of(1, -2.5);
    const be = tensorBytes(v, "float32", "big");
    const le = tensorBytes(v, "float32", "little");
    expect(be.readFloatBE(0)).toBe(1);
    expect(be.readFloatBE(4)).toBe(-2.5);
    expect(le.readFloatLE(4)).toBe(-2.5);
    expect(tensorBytes(v, "float32", "native")).toEqual(le);
  });

  it("writes float16 codes in either order, with infinities, NaN and signed zero", () => {
    const v = Float32Array.of(1, -0, Infinity, Number.NaN, 65520, 1e-8);
    const be = tensorBytes(v, "float16", "big");
    const codes = Array.from({ length: v.length }, (_, i) => be.readUInt16BE(i * 2));
    expect(codes).toEqual([0x3c00, 0x8000, 0x7c00, 0x7e00, 0x7c00, 0]);
    expect(tensorBytes(v, "float16", "little").readUInt16LE(0)).toBe(0x3c00);
  });

  it("saturates e4m3fn to 448 and keeps one NaN code", () => {
    const v = Float32Array.of(448, 1000, -1000, Infinity, Number.NaN, 0.5);
    expect(Array.from(tensorBytes(v, "fp8_e4m3", "little"))).toEqual([0x7e, 0x7e, 0xfe, 0x7f, 0x7f, 0x30]);
    expect(Array.from(tensorBytes(Float32Array.of(57344, 1e6, Number.NaN), "fp8_e5m2", "big"))).toEqual([0x7b, 0x7c, 0x7f]);
  });
});

describe("vllmBiEncoderScorer", () => {
  /** Word tokenizer: [CLS]=1 words(len) [SEP]=2; ids are word lengths + 10. */
  const tokenizer = (maxLength: number) => ({
    maxLength,
    tokenize: (text: string, o?: { addSpecialTokens?: boolean }) => {
      const words = text.split(" ").filter(Boolean).map((w) => w.length + 10);
      const ids = o?.addSpecialTokens === false ? words : [1, ...words, 2];
      return { ids, tokens: ids.map(String) };
    },
  });
  /** A sequence embedder whose vector is [sum of ids, length]: what reached it shows in the score. */
  const seqEmbedder = (seen: number[][]) =>
    ({
      model: "m",
      embed: async () => [],
      embedWithUsage: async () => ({ embeddings: [], usage: { promptTokens: 0, totalTokens: 0 } }),
      embedSequences: async (seqs: number[][]) => {
        seen.push(...seqs);
        return { embeddings: seqs.map((s) => Float32Array.of(s.reduce((a, b) => a + b, 0), s.length)), usage: { promptTokens: 0, totalTokens: 0 } };
      },
      sequenceEmbed: true,
    }) as unknown as Embedder;

  it("embeds each distinct text once and counts query + 1 + document tokens per pair", async () => {
    const seen: number[][] = [];
    const scorer = vllmBiEncoderScorer(seqEmbedder(seen), tokenizer(100));
    const r = await scorer.scoreWithUsage(["a b", "a b"], ["cc", "a b"], {});
    // "a b" as a query and as a document are embedded apart (vLLM embeds queries and documents separately).
    expect(seen).toEqual([[1, 11, 11, 2], [1, 12, 2], [1, 11, 11, 2]]);
    expect(r.pairTokens).toEqual([4 + 1 + 3, 4 + 1 + 4]);
    expect(r.usage).toEqual({ promptTokens: 17, totalTokens: 17 });
    expect(r.scores[1]).toBeCloseTo(1, 6);
    expect(r.scores[0]).toBeLessThan(1);
  });

  it("cuts each side to max_tokens_per_query / max_tokens_per_doc, keeping special tokens", async () => {
    const seen: number[][] = [];
    const scorer = vllmBiEncoderScorer(seqEmbedder(seen), tokenizer(100));
    await scorer.scoreWithUsage("a bb ccc", "dddd eeeee", { maxTokensPerQuery: 2, maxTokensPerDoc: 1 });
    expect(seen).toEqual([[1, 11, 12, 2], [1, 14, 2]]);
    seen.length = 0;
    await scorer.scoreWithUsage("a bb", "dddd", { maxTokensPerQuery: 2, maxTokensPerDoc: 5 });
    expect(seen).toEqual([[1, 11, 12, 2], [1, 14, 2]]);
  });

  it("refuses a text over the limit without truncation, and truncates right, left or to truncate_prompt_tokens", async () => {
    const seen: number[][] = [];
    const scorer = vllmBiEncoderScorer(seqEmbedder(seen), tokenizer(4));
    await expect(scorer.scoreWithUsage("a", "b cc ddd", {})).rejects.toBeInstanceOf(ContextLengthError);
    await expect(scorer.scoreWithUsage("a", "b cc ddd", { truncate: false, truncatePromptTokens: 3 })).rejects.toBeInstanceOf(ContextLengthError);
    await scorer.scoreWithUsage("a", "b cc ddd", { truncate: true });
    expect(seen.pop()).toEqual([1, 11, 12, 13]);
    await scorer.scoreWithUsage("a", "b cc ddd", { truncatePromptTokens: -1, truncationSide: "left" });
    expect(seen.pop()).toEqual([11, 12, 13, 2]);
    await scorer.scoreWithUsage("a", "b cc ddd", { truncatePromptTokens: 2 });
    expect(seen.pop()).toEqual([1, 11]);
    // Exactly at the limit: as it is.
    await scorer.scoreWithUsage("a", "b cc", { truncatePromptTokens: 4 });
    expect(seen.pop()).toEqual([1, 11, 12, 2]);
  });

  it("embeds texts with prompt off and normalize from activation when it cannot take token ids", async () => {
    const calls: { texts: string[]; options: EmbedOptions }[] = [];
    const embedder = {
      model: "m",
      embed: async () => [],
      embedWithUsage: async (texts: string[], options: EmbedOptions) => {
        calls.push({ texts, options: { ...options } });
        return { embeddings: texts.map((t) => Float32Array.of(t.length, 1)), usage: { promptTokens: 12, totalTokens: 12 } };
      },
    } as unknown as Embedder;
    const plain = await vllmBiEncoderScorer(embedder, undefined).scoreWithUsage(["q", "q"], ["dd", "q"], { activation: false, truncate: true });
    expect(calls[0]).toEqual({ texts: ["q", "dd", "q"], options: { prompt: false, normalize: false, truncate: true, signal: undefined } });
    // Without a tokenizer the call's tokens are shared evenly over the distinct texts: 12 / 3 = 4.
    expect(plain.pairTokens).toEqual([9, 9]);
    const counted = await vllmBiEncoderScorer(embedder, tokenizer(3)).scoreWithUsage("q", "a b c d", {});
    expect(calls[1]?.options.normalize).toBe(true);
    // With a tokenizer: its counts, capped at maxLength (3 + 1 + 3).
    expect(counted.pairTokens).toEqual([3 + 1 + 3]);
  });
});
