import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  AbortError,
  BiEncoderScorer,
  CrossEncoderScorer,
  LateInteractionScorer,
  ModelLoadError,
  RerankKitError,
  loadScorer,
} from "../../src/index.js";
import { DOCS, QUERY, modelDir } from "./helpers.js";

const temp = mkdtempSync(join(tmpdir(), "rerank-kit-load-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe("loadScorer", () => {
  it.each([
    ["cross-encoder", CrossEncoderScorer, "cross-encoder"],
    ["cross-encoder-roberta", CrossEncoderScorer, "cross-encoder"],
    ["bi-encoder-mean", BiEncoderScorer, "bi-encoder"],
    ["bi-encoder-cls", BiEncoderScorer, "bi-encoder"],
    ["colbert-pylate", LateInteractionScorer, "late-interaction"],
    ["colbert-stanford", LateInteractionScorer, "late-interaction"],
  ] as const)("detects %s from its files", async (name, cls, scoreType) => {
    const scorer = await loadScorer(await modelDir(name));
    expect(scorer).toBeInstanceOf(cls);
    expect(scorer.scoreType).toBe(scoreType);
    await scorer.close();
  });

  it("lets scoreType choose the family when the files describe none", async () => {
    const dir = join(temp, "bare-override");
    cpSync(await modelDir("bi-encoder-mean"), dir, { recursive: true });
    rmSync(join(dir, "modules.json"));
    rmSync(join(dir, "1_Pooling"), { recursive: true });
    const scorer = await loadScorer(dir, { scoreType: "late-interaction", convention: "vllm" });
    expect(scorer.scoreType).toBe("late-interaction");
    await scorer.close();
  });

  it("names a missing folder", async () => {
    const missing = join(temp, "nope");
    await expect(loadScorer(missing)).rejects.toThrow(ModelLoadError);
    await expect(loadScorer(missing)).rejects.toThrow(`Model folder not found: ${missing}`);
  });

  it("names a missing ONNX file", async () => {
    const dir = join(temp, "no-onnx");
    cpSync(await modelDir("cross-encoder"), dir, { recursive: true });
    rmSync(join(dir, "onnx"), { recursive: true });
    const err = await loadScorer(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as ModelLoadError).path).toBe(join(dir, "onnx", "model.onnx"));
    expect((err as Error).message).toMatch(/Missing ONNX weights/);
  });

  it("names an unreadable config and a missing tokenizer", async () => {
    const dir = join(temp, "bad-config");
    cpSync(await modelDir("cross-encoder"), dir, { recursive: true });
    writeFileSync(join(dir, "config.json"), "{ not json");
    await expect(loadScorer(dir)).rejects.toThrow(`Unreadable config.json: ${join(dir, "config.json")} is not valid JSON`);
    const dir2 = join(temp, "no-tokenizer");
    cpSync(await modelDir("cross-encoder"), dir2, { recursive: true });
    rmSync(join(dir2, "tokenizer.json"));
    await expect(loadScorer(dir2)).rejects.toThrow(`Missing tokenizer.json: cannot read ${join(dir2, "tokenizer.json")}`);
  });

  it("refuses to guess the score type of an encoder with an unknown head", async () => {
    // A bare base model (BertModel) is a mirror now, loaded as sentence-transformers does (mirrors.test.ts).
    const dir = join(temp, "bare");
    cpSync(await modelDir("bi-encoder-mean"), dir, { recursive: true });
    rmSync(join(dir, "modules.json"));
    rmSync(join(dir, "1_Pooling"), { recursive: true });
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, architectures: ["BertForPreTraining"] }));
    await expect(loadScorer(dir)).rejects.toThrow(/Cannot tell the score type .* Pass scoreType/);
  });

  it("rejects a plain string that is neither a folder nor a Hub id without touching the network", async () => {
    await expect(loadScorer("not a model id!")).rejects.toThrow(ModelLoadError);
  });
});

describe("cancellation and closing", () => {
  it("rejects with AbortError when the signal fires, and a closed scorer refuses work", async () => {
    const scorer = await loadScorer(await modelDir("cross-encoder"));
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    const err = await scorer.score(QUERY, DOCS, { signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    const mid = new AbortController();
    const pending = scorer.score(QUERY, Array(40).fill(DOCS[3]), { signal: mid.signal });
    mid.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    await scorer.close();
    await expect(scorer.score(QUERY, DOCS)).rejects.toBeInstanceOf(RerankKitError);
  });

  it("reports progress over micro-batches", async () => {
    const scorer = await CrossEncoderScorer.fromPretrained(await modelDir("cross-encoder"), { maxBatchSize: 2 });
    const seen: number[] = [];
    await scorer.score(QUERY, DOCS, { onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([2, 4, 5]);
    await scorer.close();
  });
});
