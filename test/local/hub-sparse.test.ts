/**
 * The sparse and static layouts by Hugging Face id, against the fake Hub on 127.0.0.1 serving the
 * committed golden folders: each must download the files its layout needs (bge-m3's `.pt` heads,
 * a Router's route folders and the ONNX graph inside its document transformer, a static model's
 * table without any ONNX file) and load into the same family with the same numbers as the folder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BgeM3Scorer, ModelLoadError, SpladeScorer, StaticEmbedder, has, loadScorer } from "../../src/index.js";
import { COMMIT, fakeHub, listFiles } from "./fake-hub.js";

const GOLDEN = join(import.meta.dirname, "..", "golden", "sparse");
const REPOS = {
  "test-org/splade": join(GOLDEN, "splade-max"),
  "test-org/inference-free": join(GOLDEN, "inference-free"),
  "test-org/bge-m3": join(GOLDEN, "bge-m3"),
  "test-org/static": join(GOLDEN, "static-st"),
  "test-org/model2vec": join(GOLDEN, "model2vec"),
  "test-org/no-onnx": join(GOLDEN, "splade-max", "1_SpladePooling"),
};
const TEXTS = ["what is the capital of france?", "Paris is the capital and largest city of France."];

describe("sparse and static layouts by Hugging Face id (fake Hub on 127.0.0.1)", () => {
  let hub: ReturnType<typeof fakeHub>;
  let hubUrl: string;
  const cacheDir = mkdtempSync(join(tmpdir(), "rerank-kit-hub-sparse-"));
  beforeAll(async () => {
    hub = fakeHub(REPOS);
    await new Promise<void>((r) => hub.server.listen(0, "127.0.0.1", () => r()));
    hubUrl = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    hub.server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });
  const snapshot = (repo: string) => join(cacheDir, `models--${repo.replace("/", "--")}`, "snapshots", COMMIT);

  it.each([
    ["test-org/splade", SpladeScorer, ["1_SpladePooling/config.json", "onnx/model.onnx"]],
    ["test-org/inference-free", SpladeScorer, ["router_config.json", "document_0_Transformer/onnx/model.onnx", "query_0_SparseStaticEmbedding/model.safetensors"]],
    ["test-org/bge-m3", BgeM3Scorer, ["sparse_linear.pt", "colbert_linear.pt", "onnx/model.onnx"]],
  ] as const)("%s loads as its folder does, sparse vectors equal", async (repo, family, needed) => {
    const remote = await loadScorer(repo, { hubUrl, cacheDir });
    const local = await loadScorer(REPOS[repo]);
    try {
      expect(remote).toBeInstanceOf(family);
      expect(remote.model).toBe(repo);
      const files = listFiles(snapshot(repo));
      for (const f of needed) expect(files).toContain(f);
      expect(files).not.toContain("golden.json");
      if (!has(remote, "sparseEmbed") || !has(local, "sparseEmbed")) throw new Error("not sparse");
      for (const kind of ["query", "document"] as const) {
        const [a, b] = [await remote.embedSparse(TEXTS, { kind }), await local.embedSparse(TEXTS, { kind })];
        expect(a.map((v) => [Array.from(v.indices), Array.from(v.values)])).toEqual(b.map((v) => [Array.from(v.indices), Array.from(v.values)]));
      }
    } finally {
      await Promise.all([remote.close(), local.close()]);
    }
  });

  it.each([["test-org/static"], ["test-org/model2vec"]])("%s (no ONNX file) loads as a StaticEmbedder with the folder's vectors", async (repo) => {
    const remote = await loadScorer(repo, { hubUrl, cacheDir });
    const local = await loadScorer(REPOS[repo as keyof typeof REPOS]);
    expect(remote).toBeInstanceOf(StaticEmbedder);
    expect(listFiles(snapshot(repo))).toContain("model.safetensors");
    expect(await (remote as StaticEmbedder).embed(TEXTS)).toEqual(await (local as StaticEmbedder).embed(TEXTS));
    // A second load is served from the cache, and works offline.
    const offline = await loadScorer(repo, { cacheDir, localFilesOnly: true, hubUrl: "http://127.0.0.1:9" });
    expect(offline).toBeInstanceOf(StaticEmbedder);
  });

  it("still names the missing ONNX file for a repo that is neither ONNX nor static", async () => {
    const err = await loadScorer("test-org/no-onnx", { hubUrl, cacheDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toMatch(/has no onnx\/model\.onnx/);
  });
});
