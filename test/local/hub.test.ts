/**
 * Loading by Hub id, end to end through @huggingface/hub, against a fake Hub on 127.0.0.1 that
 * serves a generated model folder the way huggingface.co does (model info, tree listing,
 * paths-info, ranged resolve downloads).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BiEncoderScorer, CrossEncoderScorer, ModelLoadError, loadScorer } from "../../src/index.js";
import { COMMIT, fakeHub, listFiles } from "./fake-hub.js";
import { DOCS, QUERY, modelDir } from "./helpers.js";

const REPO = "test-org/tiny-reranker";
const COLBERT_REPO = "test-org/tiny-colbert";

describe("loading by Hugging Face id (fake Hub on 127.0.0.1)", () => {
  let hub: ReturnType<typeof fakeHub>;
  let hubUrl: string;
  const cacheDir = mkdtempSync(join(tmpdir(), "rerank-kit-hub-"));

  beforeAll(async () => {
    hub = fakeHub({ [REPO]: await modelDir("cross-encoder"), [COLBERT_REPO]: await modelDir("colbert-stanford-checkpoint") });
    await new Promise<void>((r) => hub.server.listen(0, "127.0.0.1", () => r()));
    hubUrl = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    hub.server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("downloads into the standard cache layout and scores like the local folder", async () => {
    const scorer = await loadScorer(REPO, { hubUrl, cacheDir });
    expect(scorer).toBeInstanceOf(CrossEncoderScorer);
    expect(scorer.model).toBe(REPO);
    const snapshot = join(cacheDir, "models--test-org--tiny-reranker", "snapshots", COMMIT);
    expect(readFileSync(join(cacheDir, "models--test-org--tiny-reranker", "refs", "main"), "utf8")).toBe(COMMIT);
    expect(listFiles(snapshot).sort()).toEqual(["config.json", "onnx/model.onnx", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"]);
    const local = await loadScorer(await modelDir("cross-encoder"));
    expect(await scorer.score(QUERY, DOCS)).toEqual(await local.score(QUERY, DOCS));
    await Promise.all([scorer.close(), local.close()]);
  });

  it("reuses the cache: a second load downloads nothing, localFilesOnly needs no Hub at all", async () => {
    const before = hub.downloads.length;
    await (await loadScorer(REPO, { hubUrl, cacheDir })).close();
    expect(hub.downloads.length).toBe(before);
    const offline = await loadScorer(REPO, { hubUrl: "http://127.0.0.1:9", cacheDir, localFilesOnly: true });
    expect(offline.scoreType).toBe("cross-encoder");
    await offline.close();
  });

  it("names the missing ONNX file and what the repo has", async () => {
    const err = await loadScorer(REPO, { hubUrl, cacheDir, dtype: "q8" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toMatch(/has no onnx\/model_quantized\.onnx \(ONNX files: onnx\/model\.onnx\)/);
  });

  it("takes a stanford ColBERT checkpoint's projection by ranged reads, not by downloading the checkpoint", async () => {
    const remote = await loadScorer(COLBERT_REPO, { hubUrl, cacheDir });
    expect(remote.scoreType).toBe("late-interaction");
    expect(hub.downloads).toContain(`${COLBERT_REPO}/model.safetensors`);
    expect(hub.fullDownloads).not.toContain(`${COLBERT_REPO}/model.safetensors`);
    const local = await loadScorer(await modelDir("colbert-stanford-checkpoint"));
    expect(await remote.score(QUERY, DOCS)).toEqual(await local.score(QUERY, DOCS));
    await Promise.all([remote.close(), local.close()]);
  });

  it("reports an unknown repo and a cold cache with localFilesOnly", async () => {
    await expect(loadScorer("test-org/missing", { hubUrl, cacheDir })).rejects.toThrow(/Cannot list files of Hugging Face model "test-org\/missing"/);
    await expect(loadScorer("test-org/never-downloaded", { cacheDir, localFilesOnly: true })).rejects.toThrow(/is not in the Hugging Face cache/);
  });
});

describe("decoder exports with external data by Hugging Face id (fake Hub on 127.0.0.1)", () => {
  const DECODER_REPO = "test-org/tiny-qwen3-embedding";
  const cell = join(import.meta.dirname, "..", "golden", "decoders", "qwen3-embedding");
  const repoDir = mkdtempSync(join(tmpdir(), "rerank-kit-hub-decoder-repo-"));
  const cacheDir = mkdtempSync(join(tmpdir(), "rerank-kit-hub-decoder-"));
  let hub: ReturnType<typeof fakeHub>;
  let hubUrl: string;

  beforeAll(async () => {
    // The Hub layout of large decoders: onnx/model.onnx next to onnx/model.onnx_data.
    cpSync(cell, repoDir, { recursive: true });
    rmSync(join(repoDir, "onnx"), { recursive: true });
    cpSync(join(cell, "external"), join(repoDir, "onnx"), { recursive: true });
    rmSync(join(repoDir, "external"), { recursive: true });
    // Pooling config in the boolean format every sentence-transformers version reads.
    writeFileSync(join(repoDir, "1_Pooling", "config.json"), JSON.stringify({ word_embedding_dimension: 32, pooling_mode_lasttoken: true }));
    hub = fakeHub({ [DECODER_REPO]: repoDir });
    await new Promise<void>((r) => hub.server.listen(0, "127.0.0.1", () => r()));
    hubUrl = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    hub.server.close();
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(repoDir, { recursive: true, force: true });
  });

  it("downloads model.onnx_data with model.onnx, and ONNX Runtime finds it in the snapshot", async () => {
    const scorer = await loadScorer(DECODER_REPO, { hubUrl, cacheDir });
    expect(hub.fullDownloads).toContain(`${DECODER_REPO}/onnx/model.onnx_data`);
    const golden = JSON.parse(readFileSync(join(cell, "golden.json"), "utf8")) as { documents: string[]; document_embeddings: number[][] };
    const [remote] = await (scorer as BiEncoderScorer).embed([golden.documents[0] as string]);
    const err = Math.max(...Array.from(remote as Float32Array, (v, i) => Math.abs(v - (golden.document_embeddings[0]?.[i] as number))));
    expect(err).toBeLessThan(1e-4); // sentence-transformers' embedding of the same weights
    await scorer.close();
  });
});

describe("an LLM reranker's chat_template.jinja by Hugging Face id (fake Hub on 127.0.0.1)", () => {
  // A sentence-transformers LogitScore save keeps its score template only in chat_template.jinja;
  // a download that skips it would score the raw text (or refuse to load), far from the golden.
  const LLM_REPO = "test-org/tiny-qwen3-reranker";
  const cell = join(import.meta.dirname, "..", "golden", "llm-rerankers", "qwen3-logitscore");
  const cacheDir = mkdtempSync(join(tmpdir(), "rerank-kit-hub-llm-"));
  let hub: ReturnType<typeof fakeHub>;
  let hubUrl: string;

  beforeAll(async () => {
    hub = fakeHub({ [LLM_REPO]: cell });
    await new Promise<void>((r) => hub.server.listen(0, "127.0.0.1", () => r()));
    hubUrl = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    hub.server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("downloads the template with the model and scores like sentence-transformers", async () => {
    const scorer = await loadScorer(LLM_REPO, { hubUrl, cacheDir });
    try {
      expect(hub.fullDownloads).toContain(`${LLM_REPO}/chat_template.jinja`);
      const st = JSON.parse(readFileSync(join(cell, "golden.json"), "utf8")) as { pairs: [string, string][]; logits: number[] };
      const n = st.pairs.length - 1; // the last pair is cut differently by sentence-transformers (see the parity test)
      const z = await scorer.score(st.pairs.slice(0, n).map((p) => p[0]), st.pairs.slice(0, n).map((p) => p[1]), { activation: false });
      expect(Math.max(...z.map((s, i) => Math.abs(s - (st.logits[i] as number))))).toBeLessThan(1e-4);
    } finally {
      await scorer.close();
    }
  });
});
