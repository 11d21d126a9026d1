import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CrossEncoderScorer, InvalidInputError, InvalidOptionError, loadScorer, ModelLoadError } from "../../src/index.js";
import { convertLlmReranker } from "../../src/local/llm-reranker/convert.js";
import { MAX_ONNX_BYTES } from "../../src/local/files/bounded-read.js";
import { runCli } from "../cli/run-cli.js";

const ROOT = "test/golden/llm-rerankers";
const TOL = 1e-4;
const golden = (cell: string) =>
  JSON.parse(readFileSync(join(ROOT, cell, "golden.json"), "utf8")) as {
    cases: Array<{ query: string; document: string; instruction: string | null }>;
    logits: number[];
  };
const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number))));

async function plainLogits(dir: string, cell: string): Promise<{ z: number[]; expected: number[]; scorer: CrossEncoderScorer }> {
  const g = golden(cell);
  const plain = g.cases.map((c, i) => [c, i] as const).filter(([c]) => c.instruction === null);
  const scorer = (await loadScorer(dir)) as CrossEncoderScorer;
  const z = await scorer.score(plain.map(([c]) => c.query), plain.map(([c]) => c.document), { activation: false });
  return { z, expected: plain.map(([, i]) => g.logits[i] as number), scorer };
}

describe("convertLlmReranker (vLLM's convert_model_to_seq_cls.py on the ONNX graph)", () => {
  it.each([
    ["qwen3-causal", ["no", "yes"], "from_2_way_softmax", "qwen3-reranker"],
    ["qwen2-mxbai", ["0", "1"], "from_2_way_softmax", "mxbai-rerank-v2"],
    ["gemma-bge", ["Yes"], "no_post_processing", "bge-reranker-v2-gemma"],
  ] as const)("%s -> a one-label folder that scores like the original (truncated pairs included)", async (cell, tokens, method, template) => {
    const out = mkdtempSync(join(tmpdir(), "rk-convert-"));
    const result = await convertLlmReranker(join(ROOT, cell), { out, classifierFromTokens: [...tokens], method, chatTemplate: template });
    expect(result.rows).toHaveLength(tokens.length);
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as Record<string, unknown>;
    expect(config["num_labels"]).toBe(1);
    expect(String((config["architectures"] as string[])[0])).toMatch(/ForSequenceClassification$/);
    expect(config["method"]).toBeUndefined();
    const { z, expected, scorer } = await plainLogits(out, cell);
    try {
      expect(scorer).toBeInstanceOf(CrossEncoderScorer);
      expect(scorer.template?.origin).toBe("chat_template.jinja");
      const err = maxAbsDiff(z, expected);
      console.log(`[parity] converted ${cell} max abs error: ${err.toExponential(2)}`);
      expect(err).toBeLessThanOrEqual(TOL);
    } finally {
      await scorer.close();
    }
  });

  it("rejects what it cannot convert, naming the problem", async () => {
    const out = mkdtempSync(join(tmpdir(), "rk-convert-"));
    await expect(convertLlmReranker(join(ROOT, "qwen3-seq-cls"), { out })).rejects.toBeInstanceOf(ModelLoadError);
    await expect(convertLlmReranker(join(ROOT, "qwen3-causal"), { out })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(convertLlmReranker(join(ROOT, "qwen3-causal"), { out, classifierFromTokens: ["nope", "yes"] })).rejects.toThrow(/"nope"/);
  });
});

/** The rejection of `call`, for asserting its class, message and field together. */
async function rejection(call: Promise<unknown>): Promise<Error> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error("expected a rejection");
  return error;
}

describe("convertLlmReranker errors: the typed error, its message and the field or file it names", () => {
  const scratch = mkdtempSync(join(tmpdir(), "rk-convert-errors-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const out = join(scratch, "out");
  /** A copy of a fixture at scratch/<name>, then `edit` applied to it. */
  const copy = (cell: string, name: string, edit: (dir: string) => void = () => undefined) => {
    const dir = join(scratch, name);
    cpSync(join(ROOT, cell), dir, { recursive: true });
    edit(dir);
    return dir;
  };

  it("a model that is no causal LM: ModelLoadError naming its config.json", async () => {
    const dir = join(ROOT, "qwen3-seq-cls");
    const error = await rejection(convertLlmReranker(dir, { out }));
    // files.dir is absolute.
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toMatch(/convert needs a causal LM \(\*ForCausalLM\), config\.json says \["Qwen3ForSequenceClassification"\]/);
    expect((error as ModelLoadError).path).toBe(join(resolve(dir), "config.json"));
  });

  it("no tokens and no preset: InvalidInputError on classifierFromTokens", async () => {
    const error = await rejection(convertLlmReranker(join(ROOT, "qwen3-causal"), { out }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(/convert needs classifierFromTokens/);
    expect((error as InvalidInputError).field).toBe("classifierFromTokens");
  });

  it("the method given is the method checked: no_post_processing with two tokens is refused", async () => {
    // Without the method, two tokens would mean from_2_way_softmax and the conversion would succeed.
    const error = await rejection(convertLlmReranker(join(ROOT, "qwen3-causal"), { out, classifierFromTokens: ["no", "yes"], method: "no_post_processing" }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(/no_post_processing with 2 tokens gives 2 labels/);
  });

  it("no score template anywhere: InvalidOptionError on scoreTemplate, saying what it takes", async () => {
    // gemma-bge has no chat_template.jinja, no chat_template in tokenizer_config.json, no preset for its path.
    const error = await rejection(convertLlmReranker(join(ROOT, "gemma-bge"), { out, classifierFromTokens: ["Yes"] }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toMatch(/has no score template/);
    expect((error as InvalidOptionError).option).toBe("scoreTemplate");
    expect((error as InvalidOptionError).allowed).toBe("a preset name, a Jinja source, or false");
  });

  it("a tokenizer.json it cannot read: ModelLoadError naming that file", async () => {
    const dir = copy("qwen3-causal", "bad-tokenizer", (d) => {
      const tokenizer = JSON.parse(readFileSync(join(d, "tokenizer.json"), "utf8")) as Record<string, unknown>;
      tokenizer["post_processor"] = { type: "Fancy" };
      writeFileSync(join(d, "tokenizer.json"), JSON.stringify(tokenizer));
    });
    const error = await rejection(convertLlmReranker(dir, { out, classifierFromTokens: ["no", "yes"] }));
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).path).toBe(join(dir, "tokenizer.json"));
    expect(error.message.startsWith(`Cannot build the tokenizer from ${join(dir, "tokenizer.json")}: `)).toBe(true);
  });

  it("an ONNX graph too large to read whole: ModelLoadError saying it is the ONNX graph", async () => {
    // A sparse file one byte over the limit: no disk space used, nothing read.
    const dir = copy("qwen3-causal", "graph-too-large", (d) => truncateSync(join(d, "onnx", "model.onnx"), MAX_ONNX_BYTES + 1));
    const error = await rejection(convertLlmReranker(dir, { out, classifierFromTokens: ["no", "yes"], scoreTemplate: "qwen3-reranker" }));
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message.startsWith(`Cannot read the ONNX graph: ${join(dir, "onnx", "model.onnx")} is ${MAX_ONNX_BYTES + 1} bytes`)).toBe(true);
  });
});

describe("rerank-kit convert / rerank with LLM-reranker flags", () => {
  it("convert writes a folder; rerank --hf-overrides --chat-template on the original ranks the same", async () => {
    const out = mkdtempSync(join(tmpdir(), "rk-convert-cli-"));
    const g = golden("qwen3-causal");
    const docs = g.cases.slice(0, 3).map((c) => c.document);
    const conv = await runCli([
      "convert", "--model", join(ROOT, "qwen3-causal"), "--classifier-from-tokens", '["no","yes"]',
      "--method", "from_2_way_softmax", "--chat-template", "qwen3-reranker", "--out", out,
    ]);
    expect(conv.code, conv.stderr).toBe(0);
    const overrides = '{"architectures":["Qwen3ForSequenceClassification"],"classifier_from_token":["no","yes"],"is_original_qwen3_reranker":true}';
    const [original, converted, badTokens] = await Promise.all([
      runCli(["rerank", "-m", join(ROOT, "qwen3-causal"), "--hf-overrides", overrides, "--chat-template", "qwen3-reranker", "-q", g.cases[0]!.query], docs.join("\n")),
      runCli(["rerank", "-m", out, "-q", g.cases[0]!.query], docs.join("\n")),
      runCli(["convert", "-m", join(ROOT, "qwen3-causal"), "--classifier-from-tokens", "no,yes", "-o", out]),
    ]);
    expect(original.code, original.stderr).toBe(0);
    expect(converted.code, converted.stderr).toBe(0);
    // The CLI prints one JSON line per document, in input order.
    type Line = { index: number; score: number };
    const lines = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l) as Line);
    const a = lines(original.stdout);
    const b = lines(converted.stdout);
    expect(a).toHaveLength(3);
    expect(b.map((r) => r.index)).toEqual(a.map((r) => r.index));
    b.forEach((r, i) => expect(Math.abs(r.score - a[i]!.score)).toBeLessThanOrEqual(TOL));
    // sigmoid of the transformers logits
    const expected = g.logits.slice(0, 3).map((x) => 1 / (1 + Math.exp(-x)));
    a.forEach((r) => expect(Math.abs(r.score - expected[r.index]!)).toBeLessThanOrEqual(TOL));
    expect(badTokens.code).toBe(2);
  });
});
