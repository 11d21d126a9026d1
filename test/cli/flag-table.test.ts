import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, type Option } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { registerConvert } from "../../src/cli/commands/convert.js";
import { registerEmbed } from "../../src/cli/commands/embed.js";
import { registerQuantize } from "../../src/cli/commands/quantize.js";
import { registerRerank } from "../../src/cli/commands/rerank.js";
import { registerServe } from "../../src/cli/commands/serve.js";
import { run } from "../../src/cli/program.js";
import { SERVER_DEFAULTS } from "../../src/server/defaults.js";

/** Everything the commands hand to the outside world, in order: loader, model, server and stdout calls. */
const sink: unknown[] = [];
const record = (fn: string, ...args: unknown[]): void => void sink.push({ fn, args });

/** A model that records its calls; scores grow with text length, so --top-n changes the output. */
const fakeModel = (model: string, options: unknown) => {
  record("load", model, options);
  return {
    model,
    scoreType: "bi-encoder",
    score: async (q: unknown, docs: string[], o: unknown) => (record("score", q, docs, o), docs.map((d) => d.length)),
    embed: async (texts: string[], o: unknown) => (record("embed", texts, o), texts.map((t) => Float32Array.of(t.length))),
    embedWithUsage: async () => ({ embeddings: [], usage: { promptTokens: 0, totalTokens: 0 } }),
    // A sparse output too, so that embed --sparse and its --top-k have something to reach.
    embedSparse: async (texts: string[], o: unknown) => (
      record("embedSparse", texts, o), texts.map((t) => ({ indices: Uint32Array.of(1), values: Float32Array.of(t.length) }))
    ),
    embedSparseWithUsage: async () => ({ vectors: [], usage: { promptTokens: 0, totalTokens: 0 } }),
    decode: () => [],
    vocabularySize: 30522,
    close: async () => undefined,
  };
};

vi.mock("../../src/local/load-scorer.js", () => ({ loadScorer: async (m: string, o: unknown) => fakeModel(m, o) }));
vi.mock("../../src/local/worker-pool/index.js", () => ({ loadWorkerScorer: async (m: string, o: unknown) => fakeModel(m, o) }));
vi.mock("../../src/local/files/model-files.js", () => ({ loadModelFiles: async () => ({}) }));
// A ColBERT model, so that serve's --colbert-convention has something to change.
vi.mock("../../src/local/detect-family.js", () => ({ detectFamily: () => ({ scoreType: "late-interaction" }) }));
vi.mock("../../src/local/llm-reranker/convert.js", () => ({ convertLlmReranker: async (m: string, o: unknown) => (record("convert", m, o), {}) }));
vi.mock("../../src/local/quantize/quantize-model.js", () => ({ quantizeModel: async (m: string, o: unknown) => (record("quantize", m, o), {}) }));
vi.mock("../../src/server/index.js", () => ({
  createServer: (o: unknown) => (
    record("createServer", o),
    {
      // serve waits for SIGTERM once listening: stop it at listen, after recording where it binds.
      listen: async (l: unknown) => {
        record("listen", l);
        throw new Error("stop here");
      },
      close: async () => undefined,
    }
  ),
}));

const dir = mkdtempSync(join(tmpdir(), "rk-flags-"));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const inputA = file("a.txt", "alpha\nbeta gamma\ndelta epsilon zeta\n");
const inputB = file("b.txt", "other\ntexts here\n");

/** The arguments every run of a command starts from (its required flags). */
const BASE: Record<string, string[]> = {
  serve: ["-m", "base/model"],
  rerank: ["-m", "base/model", "-q", "base query", "-i", inputA],
  embed: ["-m", "base/model", "-i", inputA],
  convert: ["-m", "base/model", "-o", join(dir, "out-base")],
  quantize: ["-m", "base/model", "-o", join(dir, "out-base")],
};

/**
 * Values for flags whose argument has a shape (JSON, a file, a preset); every other value flag
 * gets a distinct number. Only values live here: which flags exist comes from commander.
 */
const SHAPED: Record<string, string> = {
  "--model": "other/model",
  "--query": "another query",
  "--input": inputB,
  "--out": join(dir, "out-other"),
  "--host": "10.1.2.3",
  "--api-key": "sample-key",
  "--api-key-file": file("key.txt", "key-from-file\n"),
  "--served-model-name": "sample-name",
  "--cors": "https://app.example",
  "--hf-overrides": '{"classifier_from_token":["nah","yep"]}',
  "--chat-template": "qwen3-reranker",
  "--chat-template-kwargs": '{"instruct":"sample"}',
  "--pooler-config": '{"task":"classify"}',
  "--classifier-from-tokens": '["no","yes"]',
  "--sample": file("sample.json", JSON.stringify({ query: "q", documents: ["d one", "d two"] })),
  "--revision": "sample-rev",
  "--cache-dir": join(dir, "cache"),
  "--instruction": "sample instruction",
  "--batch-size": "1",
  // Shapes the output (the best N, best first) rather than reaching the model.
  "--top-n": "1",
  // Bounds how much of the input is read: smaller than the 18-byte third line of inputA, so the
  // run must stop with an error naming the line (checked below) instead of embedding it.
  "--max-line-bytes": "11",
};

/**
 * Values that depend on the command: serve's fake model is a ColBERT encoder, whose
 * `--chat-template` is a Jinja chat template for `messages` (a reranker preset is refused).
 */
const SHAPED_FOR: Record<string, string> = {
  "serve --chat-template": "Chat: {% for m in messages %}{{ m.content }} {% endfor %}",
};

/**
 * Flags whose whole effect is a check or a warning (vLLM habits): each value is either refused
 * with exit 2 naming the flag, or accepted with nothing else changed; `warns` flags say so on stderr.
 * serve's fake model is a ColBERT encoder (late interaction), so embed and classify tasks mismatch.
 */
const CHECK_ONLY: Record<string, { refused: string[]; warns?: RegExp }> = {
  "--task": { refused: ["embed", "embedding", "classify", "reward", "generate", "transcription", "draft"] },
  "--runner": { refused: ["generate", "draft"] },
  "--trust-remote-code": { refused: [], warns: /--trust-remote-code has no effect/ },
};

/** Flags that only act together with another one: `--top-k` keeps the heaviest sparse entries. */
const NEEDS: Record<string, string[]> = { "--top-k": ["--sparse"] };

/** The scalar leaves of a JSON value: each must reach the model, however it is re-encoded. */
function leaves(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(leaves);
  return [String(value)];
}

/** The argument lists that exercise one flag: each non-default choice, or one value, or the bare switch. */
function variants(option: Option, index: number, command: string): string[][] {
  const flag = option.long as string;
  const shaped = SHAPED_FOR[`${command} ${flag}`];
  if (shaped !== undefined) return [[flag, shaped]];
  if (option.negate || option.isBoolean()) return [[flag]];
  if (option.argChoices) return option.argChoices.filter((c) => c !== option.defaultValue).map((c) => [flag, c]);
  // Flags that qualify another flag run with it.
  const needs = NEEDS[flag] ?? [];
  return [[...needs, flag, SHAPED[flag] ?? String(1000 + index)]];
}

function commands(): readonly Command[] {
  const program = new Command();
  for (const register of [registerServe, registerRerank, registerEmbed, registerConvert, registerQuantize]) register(program);
  return program.commands;
}

const replacer = (_key: string, value: unknown): unknown =>
  typeof value === "function" ? "[function]" : value instanceof Float32Array ? Array.from(value) : value;

/** Runs the CLI and returns everything that left it. */
async function observe(args: string[]): Promise<{ code: number; seen: string; stderr: string }> {
  sink.length = 0;
  stderr.length = 0;
  const code = await run(["node", "rerank-kit", ...args]);
  return { code, seen: JSON.stringify(sink, replacer), stderr: stderr.join("") };
}

/** What the CLI wrote to stderr in the last run (kept apart: warnings are not outputs). */
const stderr: string[] = [];

beforeEach(() => {
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (record("stdout", String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

// One case per (command, flag, value), generated from commander's own option list: a flag added
// to a command is covered here without a new test.
const cases = commands().flatMap((command) =>
  command.options.flatMap((option, index) =>
    // The label leaves out the temporary folder's random name: StrykerJS finds a test by its name,
    // and a name that changes from run to run matches nothing, so the case would never run again.
    variants(option, index, command.name()).map((args) => ({ command: command.name(), option, args, label: `${command.name()} ${args.join(" ").replaceAll(dir, "<tmp>")}` })),
  ),
);

describe("every flag --help lists reaches what it names", () => {
  it("covers every command and the flags that were once dropped silently", () => {
    const labels = cases.map((c) => c.label);
    for (const name of Object.keys(BASE)) expect(labels.some((l) => l.startsWith(`${name} `)), name).toBe(true);
    for (const flag of ["serve --dtype", "rerank --dtype", "embed --dtype", "rerank --instruction", "serve --max-in-flight"]) {
      expect(labels.some((l) => l.startsWith(flag)), flag).toBe(true);
    }
  });

  it.each(cases)("$label", async ({ command, option, args }) => {
    const base = BASE[command] as string[];
    // A required flag's base value is replaced, not repeated.
    const at = base.findIndex((a) => a === option.long || a === option.short);
    const without = at >= 0 ? [...base.slice(0, at), ...base.slice(at + 2)] : base;
    const before = await observe([command, ...base]);
    const after = await observe([command, ...without, ...args]);
    const check = CHECK_ONLY[option.long as string];
    if (check) {
      const value = args[args.length - 1] as string;
      if (check.refused.includes(value)) {
        expect(after.code, "a refused value is a usage error").toBe(2);
        expect(after.stderr).toContain(option.long);
        return;
      }
      expect(after.code).toBe(before.code);
      expect(after.seen, "an accepted check-only value changes nothing else").toBe(before.seen);
      if (check.warns) expect(after.stderr).toMatch(check.warns);
      return;
    }
    expect(after.code, "the flag parses").not.toBe(2);
    expect(after.seen, `${args.join(" ")} changed nothing the model, server or output saw`).not.toBe(before.seen);
    if (option.long === "--max-line-bytes") {
      // Its effect is an error on the first longer line, with no text of that line embedded.
      expect(after.code).toBe(1);
      expect(after.seen).not.toContain("delta epsilon zeta");
      return;
    }
    const value = args.length > 1 ? args[args.length - 1] : undefined;
    const shapedFile = value !== undefined && value.startsWith(dir) && option.long !== "--out" && option.long !== "--cache-dir";
    // A value (not a file to read) must arrive as given (JSON values as parsed).
    if (value !== undefined && !shapedFile) {
      for (const leaf of /^[[{]/.test(value) ? leaves(JSON.parse(value)) : [value]) expect(after.seen).toContain(leaf);
    }
  });
});

describe("serve's defaults come from one place", () => {
  it("--help shows the defaults createServer applies", async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    await run(["node", "rerank-kit", "serve", "--help"]);
    const help = out.join("").replace(/\s+/g, " ");
    for (const [flag, value] of [
      ["--max-documents", SERVER_DEFAULTS.maxDocuments],
      ["--max-in-flight", SERVER_DEFAULTS.maxInFlight],
      ["--max-body-bytes", SERVER_DEFAULTS.maxBodyBytes],
      ["--timeout-ms", SERVER_DEFAULTS.requestTimeoutMs],
      ["--shutdown-timeout-ms", SERVER_DEFAULTS.shutdownTimeoutMs],
      ["--max-batch-pairs", SERVER_DEFAULTS.batching.maxBatchPairs],
      ["--batch-wait-ms", SERVER_DEFAULTS.batching.maxWaitMs],
    ] as const) {
      expect(help).toMatch(new RegExp(`${flag} <[a-z]+> (?:(?! --).)*\\(default: ${value}\\)`));
    }
  });
});
