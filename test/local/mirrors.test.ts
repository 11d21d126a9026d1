/**
 * Mirrors without sentence-transformers files (Xenova/all-MiniLM-L6-v2's layout: config.json,
 * tokenizer, onnx/), built from the all-MiniLM-L6-v2 real-file cell, against sentence-transformers'
 * own vectors on the same weights (scripts/reference/mirrors.py): offline, the fallback
 * sentence-transformers uses for a plain transformers folder (mean pooling, no normalization);
 * online, the upstream repo's Pooling and Normalize read from a fake Hub on 127.0.0.1.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BiEncoderScorer, loadScorer } from "../../src/index.js";
import { COMMIT, fakeHub, listFiles } from "./fake-hub.js";

const CELL = join(import.meta.dirname, "..", "golden", "encoders", "bi", "all-minilm-l6-v2-real");
const UPSTREAM = "sentence-transformers/all-MiniLM-L6-v2";

interface Golden {
  tolerance: number;
  queries: string[];
  documents: string[];
  fallback: { queryEmbeddings: number[][]; documentEmbeddings: number[][] };
  upstream: { queryEmbeddings: number[][]; documentEmbeddings: number[][] };
}
const golden = JSON.parse(readFileSync(join(import.meta.dirname, "..", "golden", "mirrors", "golden.json"), "utf8")) as Golden;

function maxDiff(got: ArrayLike<number>[], want: number[][]): number {
  let err = 0;
  want.forEach((row, i) => row.forEach((v, k) => (err = Math.max(err, Math.abs(v - (got[i]?.[k] ?? Number.NaN))))));
  return Number.isNaN(err) ? Infinity : err;
}

/** Collects the RerankKitWarnings emitted while `run` runs. */
async function warningsDuring<T>(run: () => Promise<T>): Promise<{ value: T; warnings: Error[] }> {
  const warnings: Error[] = [];
  const listener = (w: Error) => void (w.name === "RerankKitWarning" && warnings.push(w));
  process.on("warning", listener);
  try {
    const value = await run();
    // process.emitWarning delivers on the next tick.
    await new Promise((r) => setImmediate(r));
    return { value, warnings };
  } finally {
    process.off("warning", listener);
  }
}

describe("mirror folders without sentence-transformers files", () => {
  const temp = mkdtempSync(join(tmpdir(), "rerank-kit-mirrors-"));
  const mirror = join(temp, "Xenova--all-MiniLM-L6-v2");
  const upstreamRepo = join(temp, "upstream");
  let hub: ReturnType<typeof fakeHub>;
  let hubUrl: string;
  const closing: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    // The mirror: what Xenova/all-MiniLM-L6-v2 ships, with config.json naming its upstream repo.
    mkdirSync(join(mirror, "onnx"), { recursive: true });
    for (const f of ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"]) copyFileSync(join(CELL, f), join(mirror, f));
    copyFileSync(join(CELL, "onnx", "model.onnx"), join(mirror, "onnx", "model.onnx"));
    const config = JSON.parse(readFileSync(join(CELL, "config.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(mirror, "config.json"), JSON.stringify({ ...config, _name_or_path: UPSTREAM }));
    // The upstream repo: its sentence-transformers files, and weights that must never be fetched.
    cpSync(CELL, upstreamRepo, { recursive: true });
    rmSync(join(upstreamRepo, "onnx"), { recursive: true });
    rmSync(join(upstreamRepo, "golden.json"));
    writeFileSync(join(upstreamRepo, "model.safetensors"), Buffer.alloc(4096));
    mkdirSync(join(upstreamRepo, "2_Normalize"));
    hub = fakeHub({ [UPSTREAM]: upstreamRepo });
    await new Promise<void>((r) => hub.server.listen(0, "127.0.0.1", () => r()));
    hubUrl = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await Promise.all(closing.splice(0).map((s) => s.close()));
  });
  afterAll(() => {
    hub.server.close();
    rmSync(temp, { recursive: true, force: true });
  });

  it("the golden is sensitive: the fallback's vectors are far from the upstream's (norms about 3.8, not 1)", () => {
    expect(maxDiff(golden.fallback.documentEmbeddings, golden.upstream.documentEmbeddings)).toBeGreaterThan(100 * golden.tolerance);
  });

  it("offline (Hub unreachable) loads without options as sentence-transformers does: mean pooling, no normalization, one warning", async () => {
    const cacheDir = join(temp, "cache-offline");
    const { value: scorer, warnings } = await warningsDuring(() => loadScorer(mirror, { hubUrl: "http://127.0.0.1:9", cacheDir, threads: 1 }));
    closing.push(scorer);
    expect(scorer).toBeInstanceOf(BiEncoderScorer);
    const bi = scorer as BiEncoderScorer;
    expect(bi.pipeline.normalize).toBe(false);
    const docs = await bi.embed(golden.documents, { kind: "document" });
    const queries = await bi.embed(golden.queries, { kind: "query" });
    const err = Math.max(maxDiff(docs, golden.fallback.documentEmbeddings), maxDiff(queries, golden.fallback.queryEmbeddings));
    console.log(`[parity] mirror fallback vs SentenceTransformer(mirror) max abs error: ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(golden.tolerance);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/no sentence-transformers files .*upstream repo sentence-transformers\/all-MiniLM-L6-v2 could not be read.*mean pooling, no normalization/);
  });

  it("online reads the upstream repo's modules, Pooling and Normalize (not its weights) into the cache, and says which repo", async () => {
    const cacheDir = join(temp, "cache-online");
    const { value: scorer, warnings } = await warningsDuring(() => loadScorer(mirror, { hubUrl, cacheDir, threads: 1 }));
    closing.push(scorer);
    const bi = scorer as BiEncoderScorer;
    expect(bi.pipeline.normalize).toBe(true);
    const docs = await bi.embed(golden.documents, { kind: "document" });
    const queries = await bi.embed(golden.queries, { kind: "query" });
    const err = Math.max(maxDiff(docs, golden.upstream.documentEmbeddings), maxDiff(queries, golden.upstream.queryEmbeddings));
    console.log(`[parity] mirror + upstream vs SentenceTransformer(upstream files) max abs error: ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(golden.tolerance);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain(`using those of the upstream repo ${UPSTREAM}`);
    const snapshot = join(cacheDir, "models--sentence-transformers--all-MiniLM-L6-v2", "snapshots", COMMIT);
    expect(listFiles(snapshot).sort()).toEqual(["1_Pooling/config.json", "config_sentence_transformers.json", "modules.json", "sentence_bert_config.json"]);
    expect(hub.downloads.filter((d) => /safetensors|onnx|tokenizer/.test(d))).toEqual([]);

    // Cached like any download: localFilesOnly finds it with no Hub at all.
    const before = hub.downloads.length;
    const { value: cached } = await warningsDuring(() => loadScorer(mirror, { hubUrl: "http://127.0.0.1:9", cacheDir, localFilesOnly: true, threads: 1 }));
    closing.push(cached);
    expect((cached as BiEncoderScorer).pipeline.normalize).toBe(true);
    expect(hub.downloads.length).toBe(before);
  });

  it("upstream: false reads nothing from the Hub and loads as sentence-transformers would", async () => {
    const cacheDir = join(temp, "cache-off");
    const before = hub.downloads.length;
    const { value: scorer, warnings } = await warningsDuring(() => loadScorer(mirror, { hubUrl, cacheDir, upstream: false, threads: 1 }));
    closing.push(scorer);
    expect((scorer as BiEncoderScorer).pipeline.normalize).toBe(false);
    expect(hub.downloads.length).toBe(before);
    expect(existsSync(join(cacheDir, "models--sentence-transformers--all-MiniLM-L6-v2"))).toBe(false);
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/upstream is false/)]);
  });
});
