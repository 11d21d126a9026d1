/**
 * Each case here used to return numbers that mean nothing, with no error and no warning: a causal
 * LM read as a cross-encoder, an LLM reranker scoring raw texts while an instruction was dropped, a
 * converted folder without its template, a 3-label classifier's last logit as a score.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CrossEncoderScorer, InvalidInputError, InvalidOptionError, ModelLoadError, loadScorer } from "../../src/index.js";
import { convertLlmReranker } from "../../src/local/llm-reranker/convert.js";
import { runCli } from "../cli/run-cli.js";
import { modelDir } from "./helpers.js";

const CAUSAL = join(import.meta.dirname, "..", "golden", "llm-rerankers", "qwen3-causal");
const temp = mkdtempSync(join(tmpdir(), "rerank-kit-silent-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** The qwen3-causal cell without any score template (no chat_template.jinja; its tokenizer_config has none). */
function causalWithoutTemplate(): string {
  const dir = mkdtempSync(join(temp, "no-template-"));
  cpSync(CAUSAL, dir, { recursive: true });
  rmSync(join(dir, "chat_template.jinja"));
  return dir;
}

async function warningsDuring<T>(run: () => Promise<T>): Promise<{ value: T; warnings: Error[] }> {
  const warnings: Error[] = [];
  const listener = (w: Error) => void (w.name === "RerankKitWarning" && warnings.push(w));
  process.on("warning", listener);
  try {
    const value = await run();
    await new Promise((r) => setImmediate(r));
    return { value, warnings };
  } finally {
    process.off("warning", listener);
  }
}

describe("a causal LM is never read as a cross-encoder", () => {
  it("scoreType cross-encoder on [batch, seq, vocab] logits is a ModelLoadError showing the hfOverrides example", async () => {
    for (const load of [() => loadScorer(CAUSAL, { scoreType: "cross-encoder", threads: 1 }), () => CrossEncoderScorer.fromPretrained(CAUSAL, { threads: 1 })]) {
      const err = await load().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelLoadError);
      expect((err as Error).message).toMatch(/output "logits" is \[.*, .*, .*\], but a cross-encoder reads one row of \[batch, labels\]/);
      expect((err as Error).message).toContain('hfOverrides: {"architectures":["Qwen3ForSequenceClassification"],"classifier_from_token":["no","yes"]');
    }
  });

  it("'Cannot tell the score type' of a causal LM advises hfOverrides, not a score type that cannot work", async () => {
    const err = await loadScorer(CAUSAL).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toMatch(/Cannot tell the score type .* causal LM .*hfOverrides: \{"architectures"/);
    expect((err as Error).message).not.toMatch(/"cross-encoder"/);
  });
});

describe("an LLM reranker without a score template", () => {
  const overrides = { classifier_from_token: ["no", "yes"] };

  it("warns once at load and refuses instruction / chatTemplateKwargs per call, naming them", async () => {
    const dir = causalWithoutTemplate();
    const { value: scorer, warnings } = await warningsDuring(() => loadScorer(dir, { hfOverrides: overrides, threads: 1 }));
    try {
      expect(warnings.map((w) => (w as Error & { code?: string }).code)).toEqual(["RERANK_KIT_NO_SCORE_TEMPLATE"]);
      expect(warnings[0]?.message).toMatch(/without a score template .* instruction \/ chatTemplateKwargs are refused/);
      // ...and says what to pass instead.
      expect(warnings[0]?.message).toMatch(/Pass scoreTemplate \(a preset name such as "qwen3-reranker", or a Jinja source\), or scoreTemplate: false to score raw texts on purpose\.$/);
      expect(await scorer.score("a query", ["a document"])).toHaveLength(1);
      for (const option of [{ instruction: "Judge relevance" }, { chatTemplateKwargs: { instruct: "x" } }]) {
        const err = await scorer.score("a query", ["a document"], option).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidOptionError);
        expect((err as InvalidOptionError).option).toBe(Object.keys(option)[0]);
      }
    } finally {
      await scorer.close();
    }
  });

  it("scoreTemplate: false (raw texts on purpose) loads without a warning", async () => {
    const dir = causalWithoutTemplate();
    const { value: scorer, warnings } = await warningsDuring(() => loadScorer(dir, { hfOverrides: overrides, scoreTemplate: false, threads: 1 }));
    await scorer.close();
    expect(warnings).toEqual([]);
  });
});

describe("convert and score templates", () => {
  it("refuses to write a folder without a template; scoreTemplate false writes one; a given template is written", async () => {
    const dir = causalWithoutTemplate();
    const out = join(temp, "converted-none");
    const err = await convertLlmReranker(dir, { out, classifierFromTokens: ["no", "yes"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as Error).message).toMatch(/has no score template .*--chat-template .*--no-template/);
    expect(existsSync(out)).toBe(false);
    await convertLlmReranker(dir, { out, classifierFromTokens: ["no", "yes"], scoreTemplate: false });
    expect(existsSync(join(out, "config.json"))).toBe(true);
    expect(existsSync(join(out, "chat_template.jinja"))).toBe(false);
  });

  it("rerank-kit convert: --chat-template <file> is written as given, no template fails, --no-template writes none", async () => {
    const dir = causalWithoutTemplate();
    const templateFile = join(temp, "my-template.jinja");
    const source = readFileSync(join(CAUSAL, "chat_template.jinja"), "utf8");
    writeFileSync(templateFile, source);
    const base = ["convert", "-m", dir, "--classifier-from-tokens", '["no","yes"]'];
    const [given, refused, none] = await Promise.all([
      runCli([...base, "-o", join(temp, "cli-given"), "--chat-template", templateFile]),
      runCli([...base, "-o", join(temp, "cli-refused")]),
      runCli([...base, "-o", join(temp, "cli-none"), "--no-template"]),
    ]);
    expect(given.code, given.stderr).toBe(0);
    expect(readFileSync(join(temp, "cli-given", "chat_template.jinja"), "utf8")).toBe(source);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/no score template/);
    expect(existsSync(join(temp, "cli-refused"))).toBe(false);
    expect(none.code, none.stderr).toBe(0);
    expect(existsSync(join(temp, "cli-none", "chat_template.jinja"))).toBe(false);
  }, 60_000);
});

describe("a multi-label classifier has no score, as in vLLM", () => {
  it("score() is refused pointing at classify(); classify() works", async () => {
    const scorer = (await loadScorer(await modelDir("cross-encoder-3labels"), { scoreType: "cross-encoder", threads: 1 })) as CrossEncoderScorer;
    try {
      const err = await scorer.score("a query", ["a document"]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toMatch(/Score API is only enabled for num_labels == 1: .* 3 labels \(NEG, NEU, POS\); use classify\(\)/);
      await expect(scorer.rerank("a query", ["a document"])).rejects.toThrow(/Score API is only enabled for num_labels == 1/);
      expect((await scorer.classify(["a document"])).classifications[0]?.probs).toHaveLength(3);
    } finally {
      await scorer.close();
    }
  });
});
