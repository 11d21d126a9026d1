/**
 * StaticEmbedder.fromPretrained by Hugging Face id (the fake Hub on 127.0.0.1 serving the committed
 * golden folders) and by folder, in process and in a worker: the same vectors as the folder gives,
 * the Hub id kept as the model name, and typed errors for foreign options and non-static repos.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { has, InvalidOptionError, ModelLoadError, StaticEmbedder } from "../../../src/index.js";
import { fakeHub } from "../fake-hub.js";

const GOLDEN = join(import.meta.dirname, "..", "..", "golden", "sparse");
const REPOS = {
  "test-org/static": join(GOLDEN, "static-st"),
  "test-org/model2vec": join(GOLDEN, "model2vec"),
  "test-org/splade": join(GOLDEN, "splade-max"),
};
const TEXTS = ["what is the capital of france?", "Paris is the capital and largest city of France."];

describe("StaticEmbedder.fromPretrained", () => {
  let hub: ReturnType<typeof fakeHub>;
  let hubUrl: string;
  const cacheDir = mkdtempSync(join(tmpdir(), "rerank-kit-static-hub-"));
  beforeAll(async () => {
    hub = fakeHub(REPOS);
    await new Promise<void>((r) => hub.server.listen(0, "127.0.0.1", () => r()));
    hubUrl = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => hub.server.close(r));
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it.each([["test-org/static"], ["test-org/model2vec"]] as const)("%s by id embeds as its folder does and keeps the id as its name", async (repo) => {
    const remote = await StaticEmbedder.fromPretrained(repo, { hubUrl, cacheDir });
    const local = await StaticEmbedder.fromPretrained(REPOS[repo]);
    expect(remote).toBeInstanceOf(StaticEmbedder);
    expect(remote.model).toBe(repo);
    expect(hub.downloads).toContain(`${repo}/tokenizer.json`);
    expect(await remote.embed(TEXTS)).toEqual(await local.embed(TEXTS));
    await Promise.all([remote.close(), local.close()]);
  });

  it("loads by id in a worker (worker: true) with the same vectors", async () => {
    const local = await StaticEmbedder.fromPretrained(REPOS["test-org/static"]);
    const pooled = await StaticEmbedder.fromPretrained("test-org/static", { hubUrl, cacheDir, worker: true });
    try {
      expect(pooled).not.toBeInstanceOf(StaticEmbedder);
      expect(has(pooled, "embed")).toBe(true);
      expect(await pooled.embed(TEXTS)).toEqual(await local.embed(TEXTS));
    } finally {
      await pooled.close();
    }
  }, 60_000);

  it("refuses an option a static model cannot honour, naming it, before downloading", async () => {
    const before = hub.downloads.length;
    const err = await StaticEmbedder.fromPretrained("test-org/static", { hubUrl, cacheDir, dtype: "q8" } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as Error).message).toMatch(/dtype/);
    expect(hub.downloads.length).toBe(before);
  });

  it("refuses a repo that is not a static model with ModelLoadError", async () => {
    const err = await StaticEmbedder.fromPretrained(REPOS["test-org/splade"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toMatch(/not a StaticEmbedding or model2vec model/);
  });
});
