/**
 * Issue 12 items 3, 4 and 11: options reach the local scorers through one validated path, so a
 * wrong value or name is a typed error before any work, never a silent change of scores.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BiEncoderScorer,
  CrossEncoderScorer,
  InvalidOptionError,
  LateInteractionScorer,
  ModelLoadError,
  loadScorer,
  type LocalScorer,
} from "../../src/index.js";
import { DOCS, QUERY, modelDir } from "./helpers.js";

async function rejection(p: Promise<unknown>): Promise<InvalidOptionError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InvalidOptionError);
  return e as InvalidOptionError;
}

describe("per-call options on local scorers", () => {
  let cross: LocalScorer;
  let bi: LocalScorer;
  let colbert: LocalScorer;
  beforeAll(async () => {
    cross = await loadScorer(await modelDir("cross-encoder"));
    bi = await loadScorer(await modelDir("bi-encoder-mean"));
    colbert = await loadScorer(await modelDir("colbert-pylate"));
  });
  afterAll(async () => {
    await Promise.all([cross.close(), bi.close(), colbert.close()]);
  });

  it.each([-1, 1.5, Number.NaN])("refuses maxTokensPerDoc %s instead of emptying every document", async (v) => {
    const e = await rejection(cross.score(QUERY, DOCS, { maxTokensPerDoc: v }));
    expect(e.option).toBe("maxTokensPerDoc");
    expect(e.allowed).toBe("an integer >= 0 (0 = off)");
  });

  it("refuses a negative or fractional maxTokensPerQuery and topN", async () => {
    expect((await rejection(cross.score(QUERY, DOCS, { maxTokensPerQuery: -3 }))).option).toBe("maxTokensPerQuery");
    expect((await rejection(cross.rerank(QUERY, DOCS, { topN: 1.5 }))).option).toBe("topN");
  });

  it("suggests topN for top_n and topK in plain JavaScript", async () => {
    for (const name of ["top_n", "topK"]) {
      const e = await rejection(cross.rerank(QUERY, DOCS, { [name]: 2 } as object));
      expect(e.suggestions).toContain("topN");
    }
  });

  it("refuses enum values outside the list", async () => {
    const side = await rejection(cross.score(QUERY, DOCS, { truncationSide: "middle" } as never));
    expect(side.allowed).toBe('"left" | "right"');
    const kind = await rejection((bi as BiEncoderScorer).embed(["a"], { kind: "bogus" } as never));
    expect(kind.option).toBe("kind");
  });

  it("refuses options a family cannot honour", async () => {
    // A cross-encoder without a score template applies no instruction; ColBERT has no truncation side.
    expect((await rejection(cross.score(QUERY, DOCS, { instruction: "x" }))).option).toBe("instruction");
    expect((await rejection(bi.score(QUERY, DOCS, { maxTokensPerDoc: 4 }))).option).toBe("maxTokensPerDoc");
    expect((await rejection(colbert.score(QUERY, DOCS, { truncationSide: "left" }))).option).toBe("truncationSide");
    expect((await rejection((colbert as LateInteractionScorer).embedTokens(["a"], { dimensions: 4 }))).option).toBe("dimensions");
    // score() is not rerank(): topN there would be ignored.
    expect((await rejection(cross.score(QUERY, DOCS, { topN: 1 } as object))).option).toBe("topN");
  });

  it("still accepts what each family honours", async () => {
    await expect(cross.rerank(QUERY, DOCS, { topN: 2, maxTokensPerDoc: 3, truncationSide: "left" })).resolves.toHaveLength(2);
    await expect(bi.score(QUERY, DOCS, { truncatePromptTokens: 4, truncationSide: "left" })).resolves.toHaveLength(DOCS.length);
    await expect(colbert.score(QUERY, DOCS, { truncatePromptTokens: -1, activation: false })).resolves.toHaveLength(DOCS.length);
  });

  it("applies truncatePromptTokens on the bi-encoder instead of ignoring it", async () => {
    const long = `${DOCS[0]} ${DOCS[1]} ${DOCS[2]}`;
    const full = await bi.score(QUERY, long);
    const cut = await bi.score(QUERY, long, { truncatePromptTokens: 4 });
    expect(cut[0]).not.toBeCloseTo(full[0] as number, 4);
  });
});

describe("load options", () => {
  it("suggests scoreType for scoretype and refuses enum typos", async () => {
    const dir = await modelDir("cross-encoder");
    const e = await rejection(loadScorer(dir, { scoretype: "bi-encoder" } as object));
    expect(e.suggestions).toEqual(["scoreType"]);
    const act = await rejection(CrossEncoderScorer.fromPretrained(dir, { activation: "no" } as never));
    expect(act.allowed).toBe('"sigmoid" | "identity" | "softmax" | "tanh"');
    const threads = await rejection(loadScorer(dir, { threads: 0 }));
    expect(threads.option).toBe("threads");
  });

  it("refuses another family's option (dimensions on a cross-encoder)", async () => {
    const e = await rejection(loadScorer(await modelDir("cross-encoder"), { dimensions: 8 }));
    expect(e.message).toContain("A cross-encoder model cannot honour it");
  });

  it.each([0, 3, 4, 100_000, 1.5])("refuses maxLength %s at load time", async (maxLength) => {
    const e = await rejection(loadScorer(await modelDir("cross-encoder"), { maxLength }));
    expect(e.option).toBe("maxLength");
    // 3 special tokens in a BERT pair, 512 position embeddings in the fixture.
    expect(e.allowed).toBe("an integer from 5 to 512");
  });

  it("accepts the smallest and the largest maxLength the model supports", async () => {
    for (const maxLength of [5, 512]) {
      const s = await loadScorer(await modelDir("cross-encoder"), { maxLength });
      expect(s.maxLength).toBe(maxLength);
      await s.close();
    }
  });
});

describe("family checks", () => {
  it("CrossEncoderScorer refuses a bi-encoder folder, naming the family its files describe", async () => {
    const e = await CrossEncoderScorer.fromPretrained(await modelDir("bi-encoder-mean")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelLoadError);
    expect((e as Error).message).toMatch(/describe a bi-encoder model \(sentence-transformers pooling\)/);
  });

  it("BiEncoderScorer refuses a ColBERT folder", async () => {
    const e = await BiEncoderScorer.fromPretrained(await modelDir("colbert-pylate")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelLoadError);
    expect((e as Error).message).toMatch(/describe a late-interaction model/);
  });

  it("a scoreType that contradicts the files is refused", async () => {
    const e = await loadScorer(await modelDir("cross-encoder"), { scoreType: "bi-encoder" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelLoadError);
    expect((e as Error).message).toMatch(/describe a cross-encoder model .* scoreType "bi-encoder"/);
  });
});
