// In-process checks of what the CLI prints, exits with and hands to the model and the server, for
// the cases test/cli/cli.test.ts and streaming.test.ts check through a child process (which a
// mutation run cannot see): broken and blank input lines, --top-n ranking, exit codes, serve's
// startup line, shutdown and error paths.
import { mkdtempSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CliError, oneLine } from "../../src/cli/cli-error.js";
import { defaultServeWorkers, poolingTaskOf } from "../../src/cli/commands/serve.js";
import { integer, port, positiveInteger } from "../../src/cli/parsers.js";
import { dashedFlags, run } from "../../src/cli/program.js";
import { readChatTemplate, loadOptions } from "../../src/cli/model-options.js";
import { mediaOptions } from "../../src/cli/media-flags.js";
import { streamTexts } from "../../src/cli/stream-texts.js";
import { TopN } from "../../src/cli/top-n.js";
import { writeLines } from "../../src/cli/write-lines.js";

/** Everything the commands hand to the outside world, in order. */
const sink: { fn: string; args: unknown[] }[] = [];
const record = (fn: string, ...args: unknown[]): void => void sink.push({ fn, args });

/** What the next loaded model is: scores are the documents' lengths, vectors hold the text length. */
const modelShape = { scoreType: "bi-encoder", embed: true, sparse: true, scores: undefined as number[] | undefined };

const fakeModel = (model: string, options: unknown) => {
  record("load", model, options);
  const m: Record<string, unknown> = {
    model,
    scoreType: modelShape.scoreType,
    score: async (q: unknown, docs: string[], o: unknown) => (
      record("score", q, docs, o), modelShape.scores?.slice(0, docs.length) ?? docs.map((d) => d.length)
    ),
    decode: () => [],
    close: async () => void record("close"),
  };
  if (modelShape.embed) {
    m["embed"] = async (texts: string[], o: unknown) => (record("embed", texts, o), texts.map((t) => Float32Array.of(t.length, 0.5)));
    m["embedWithUsage"] = async () => ({ embeddings: [], usage: { promptTokens: 0, totalTokens: 0 } });
  }
  if (modelShape.sparse) {
    m["embedSparse"] = async (texts: string[], o: unknown) => (
      record("embedSparse", texts, o), texts.map((t) => ({ indices: Uint32Array.of(7, 9), values: Float32Array.of(t.length, 0.25) }))
    );
    m["embedSparseWithUsage"] = async () => ({ vectors: [], usage: { promptTokens: 0, totalTokens: 0 } });
    m["vocabularySize"] = 30522;
  }
  return m;
};

/** How the fake server behaves: listen answers an address, or throws; createServer may throw. */
const serverShape = { listenThrows: false, createThrows: false };

vi.mock("../../src/local/load-scorer.js", () => ({ loadScorer: async (m: string, o: unknown) => fakeModel(m, o) }));
vi.mock("../../src/local/worker-pool/index.js", () => ({ loadWorkerScorer: async (m: string, o: unknown) => fakeModel(m, o) }));
/** Whether reading the model's files fails (serve then leaves the family to the worker's load). */
const filesShape = { throws: false };
vi.mock("../../src/local/files/model-files.js", () => ({
  loadModelFiles: async () => {
    if (filesShape.throws) throw new Error("no such model");
    return {};
  },
}));
vi.mock("../../src/local/llm-reranker/convert.js", () => ({ convertLlmReranker: async (m: string, o: unknown) => (record("convert", m, o), { converted: m }) }));
vi.mock("../../src/local/quantize/quantize-model.js", () => ({ quantizeModel: async (m: string, o: unknown) => (record("quantize", m, o), { quantized: m }) }));
vi.mock("../../src/local/detect-family.js", () => ({ detectFamily: () => ({ scoreType: modelShape.scoreType }) }));
vi.mock("../../src/server/index.js", () => ({
  createServer: (o: unknown) => {
    record("createServer", o);
    if (serverShape.createThrows) throw new Error("createServer refused\nsecond line");
    return {
      listen: async (l: unknown) => {
        record("listen", l);
        if (serverShape.listenThrows) throw new Error("EADDRINUSE");
        return { url: "http://127.0.0.1:4321" };
      },
      close: async () => void record("serverClose"),
    };
  },
}));

const dir = mkdtempSync(join(tmpdir(), "rk-cli-mut-"));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const stdout: string[] = [];
const stderr: string[] = [];

beforeEach(() => {
  sink.length = 0;
  stdout.length = 0;
  stderr.length = 0;
  Object.assign(modelShape, { scoreType: "bi-encoder", embed: true, sparse: true, scores: undefined });
  Object.assign(serverShape, { listenThrows: false, createThrows: false });
  filesShape.throws = false;
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (stdout.push(String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

const cli = (...args: string[]): Promise<number> => run(["node", "rerank-kit", ...args]);
const lines = (): unknown[] => stdout.join("").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as unknown);
const calls = (fn: string): unknown[][] => sink.filter((s) => s.fn === fn).map((s) => s.args);

describe("rerank", () => {
  it("prints one line per input line in input order, null for blank and broken lines, and exits 1 naming the first broken one", async () => {
    const input = file("mixed.txt", 'alpha\n\n{"text": "beta two"}\n{broken\n{"no": 1}\ngamma\n');
    const code = await cli("rerank", "-m", "m", "-q", "query", "-i", input);
    expect(lines()).toEqual([
      { index: 0, score: 5, text: "alpha" },
      { index: 1, score: null, text: null },
      { index: 2, score: 8, text: "beta two" },
      { index: 3, score: null, text: null, error: expect.stringMatching(/^line 4: invalid JSON/) },
      { index: 4, score: null, text: null, error: 'line 5: JSON object without a string "text" field' },
      { index: 5, score: 5, text: "gamma" },
    ]);
    expect(code).toBe(1);
    expect(stderr.join("")).toMatch(/^rerank-kit: error: 2 input lines could not be read \(first: line 4: invalid JSON .*\); their output lines carry the error\n$/);
    // Only the texts reach the model, with the query; the model is closed at the end.
    expect(calls("score")).toStrictEqual([["query", ["alpha", "beta two", "gamma"], {}]]);
    expect(calls("close")).toHaveLength(1);
  });

  it("says 'line' for a single broken line", async () => {
    const code = await cli("rerank", "-m", "m", "-q", "q", "-i", file("one-bad.txt", "ok\n{bad\n"));
    expect(code).toBe(1);
    expect(stderr.join("")).toContain("error: 1 input line could not be read (first: line 2: invalid JSON");
  });

  it("ranks the best N best first with ties in input order, leaving blank and broken lines out", async () => {
    modelShape.scores = [0.2, 0.9, 0.5, 0.9, 0.1];
    const code = await cli("rerank", "-m", "m", "-q", "q", "-n", "3", "-i", file("top.txt", "a\n\nb\nc\nd\ne\n"));
    expect(code).toBe(0);
    expect(lines()).toEqual([
      { index: 2, score: 0.9, text: "b" },
      { index: 4, score: 0.9, text: "d" },
      { index: 3, score: 0.5, text: "c" },
    ]);
  });

  it("ranks across batches: the best N of the whole input, not of each batch", async () => {
    modelShape.scores = undefined;
    const code = await cli("rerank", "-m", "m", "-q", "q", "-n", "2", "--batch-size", "2", "-i", file("batches.txt", "aa\nbbbbb\nc\ndddd\neee\n"));
    expect(code).toBe(0);
    expect(lines()).toEqual([
      { index: 1, score: 5, text: "bbbbb" },
      { index: 3, score: 4, text: "dddd" },
    ]);
    expect(calls("score").map((c) => c[1])).toEqual([["aa", "bbbbb"], ["c", "dddd"], ["eee"]]);
  });

  it("--top-n 0 prints every line in input order", async () => {
    expect(await cli("rerank", "-m", "m", "-q", "q", "-n", "0", "-i", file("zero.txt", "aaa\nb\n"))).toBe(0);
    expect(lines()).toEqual([
      { index: 0, score: 3, text: "aaa" },
      { index: 1, score: 1, text: "b" },
    ]);
  });

  it("does not call the model for a batch of blank lines only", async () => {
    expect(await cli("rerank", "-m", "m", "-q", "q", "--batch-size", "2", "-i", file("blank-batch.txt", "\n\nxy\n"))).toBe(0);
    expect(calls("score")).toStrictEqual([["q", ["xy"], {}]]);
  });

  it("ends with an error for an input without lines, naming the file", async () => {
    const empty = file("empty.txt", "");
    expect(await cli("rerank", "-m", "m", "-q", "q", "-i", empty)).toBe(1);
    expect(stderr.join("")).toBe(`rerank-kit: error: --input ${empty} holds no texts\n`);
    expect(calls("close")).toHaveLength(1);
  });

  it("refuses --chat-template-kwargs that is not a JSON object", async () => {
    for (const bad of ["[1]", "null", "7", "{not json"]) {
      stderr.length = 0;
      expect(await cli("rerank", "-m", "m", "-q", "q", "--chat-template-kwargs", bad), bad).toBe(2);
      expect(stderr.join(""), bad).toContain("Not a JSON object.");
    }
    expect(calls("load")).toEqual([]);
  });
});

describe("embed", () => {
  it("prints vectors in input order and null for blank and broken lines", async () => {
    const code = await cli("embed", "-m", "m", "-i", file("embed.txt", "abc\n\n{x\nde\n"));
    expect(lines()).toEqual([
      { index: 0, embedding: [3, 0.5] },
      { index: 1, embedding: null },
      { index: 2, embedding: null, error: expect.stringMatching(/^line 3: invalid JSON/) },
      { index: 3, embedding: [2, 0.5] },
    ]);
    expect(code).toBe(1);
    expect(calls("embed")).toStrictEqual([[["abc", "de"], { kind: "document" }]]);
  });

  it("does not call the model for a batch of blank lines only", async () => {
    expect(await cli("embed", "-m", "m", "--batch-size", "1", "-i", file("embed-blank.txt", "\nab\n"))).toBe(0);
    expect(calls("embed")).toStrictEqual([[["ab"], { kind: "document" }]]);
  });

  it("refuses a model without embeddings, naming it and its type, and closes it", async () => {
    Object.assign(modelShape, { scoreType: "cross-encoder", embed: false, sparse: false });
    expect(await cli("embed", "-m", "some/reranker", "-i", file("e1.txt", "a\n"))).toBe(1);
    expect(stderr.join("")).toBe("rerank-kit: error: some/reranker is a cross-encoder model; embed needs a bi-encoder\n");
    expect(calls("close")).toHaveLength(1);
  });

  it("refuses --top-k without --sparse", async () => {
    expect(await cli("embed", "-m", "m", "--top-k", "3", "-i", file("e2.txt", "a\n"))).toBe(1);
    expect(stderr.join("")).toBe("rerank-kit: error: --top-k needs --sparse\n");
    expect(calls("embed")).toEqual([]);
  });

  it("--sparse prints indices and values, null for blank and broken lines", async () => {
    const code = await cli("embed", "-m", "m", "--sparse", "--kind", "query", "-i", file("sparse.txt", "abcd\n\n{x\n"));
    expect(lines()).toEqual([
      { index: 0, indices: [7, 9], values: [4, 0.25] },
      { index: 1, indices: null, values: null },
      { index: 2, indices: null, values: null, error: expect.stringMatching(/^line 3: invalid JSON/) },
    ]);
    expect(code).toBe(1);
    expect(calls("embedSparse")).toStrictEqual([[["abcd"], { kind: "query" }]]);
  });

  it("--sparse does not call the model for a batch of blank lines only", async () => {
    expect(await cli("embed", "-m", "m", "--sparse", "--batch-size", "1", "-i", file("sparse-blank.txt", "\nab\n"))).toBe(0);
    expect(calls("embedSparse")).toStrictEqual([[["ab"], { kind: "document" }]]);
  });

  it("--sparse refuses a model without sparse output", async () => {
    modelShape.sparse = false;
    expect(await cli("embed", "-m", "dense/model", "--sparse", "-i", file("e3.txt", "a\n"))).toBe(1);
    expect(stderr.join("")).toBe("rerank-kit: error: dense/model has no sparse output; embed --sparse needs a SPLADE or bge-m3 model\n");
  });
});

describe("exit codes", () => {
  it("0 for --help and --version, 2 for usage errors and a bare call, 1 with one line for runtime failures", async () => {
    expect(await cli("--help")).toBe(0);
    expect(await cli("--version")).toBe(0);
    expect(await cli("rerank", "--help")).toBe(0);
    expect(await cli()).toBe(2);
    expect(await cli("rerank", "-m", "m")).toBe(2);
    expect(await cli("embed", "-m", "m", "--nope")).toBe(2);
    expect(await cli("embed", "-m", "m", "--batch-size", "0")).toBe(2);
    stderr.length = 0;
    expect(await cli("embed", "-m", "m", "-i", join(dir, "missing.txt"))).toBe(1);
    expect(stderr.join("")).toBe(`rerank-kit: error: cannot read --input ${join(dir, "missing.txt")}: no such file\n`);
  });

  it("uses a CliError's own exit code", async () => {
    expect(await cli("rerank", "-m", "m", "-q", "q", "--chat-template", "no-such-preset", "-i", file("ct.txt", "a\n"))).toBe(2);
    expect(stderr.join("")).toContain("rerank-kit: error: --chat-template no-such-preset: not a file, a Jinja template or a preset name");
  });
});

describe("serve", () => {
  /** Runs serve until its startup line, then sends SIGTERM and resolves the exit code. */
  async function serveOnce(...args: string[]): Promise<number> {
    const done = cli("serve", "-m", "served/model", ...args);
    for (let i = 0; i < 200 && !stderr.join("").includes("rerank-kit: serving"); i++) await new Promise((r) => setTimeout(r, 5));
    expect(stderr.join("")).toContain("rerank-kit: serving");
    process.emit("SIGTERM", "SIGTERM");
    return done;
  }

  it("names the model, its type and the pool on startup, and finishes in-flight requests on SIGTERM", async () => {
    expect(await serveOnce("--workers", "1", "--threads", "3", "--shutdown-timeout-ms", "1234")).toBe(0);
    const err = stderr.join("");
    expect(err).toContain("rerank-kit: serving served/model (bi-encoder, 1 worker x 3 threads) on http://127.0.0.1:4321\n");
    expect(err).toContain("rerank-kit: SIGTERM: finishing in-flight requests (at most 1234 ms)\n");
    expect(calls("serverClose")).toHaveLength(1);
    expect(calls("listen")).toEqual([[{ host: "127.0.0.1", port: 8000 }]]);
  });

  it("says workers in the plural and leaves threads out when not given", async () => {
    expect(await serveOnce("--workers", "2")).toBe(0);
    expect(stderr.join("")).toContain("(bi-encoder, 2 workers) on http://127.0.0.1:4321\n");
  });

  it("warns for a non-loopback bind without a key, and not on loopback", async () => {
    expect(await serveOnce("--host", "0.0.0.0", "--workers", "1")).toBe(0);
    expect(stderr.join("")).toContain("WARNING: serving on 0.0.0.0 without an API key");
    stderr.length = 0;
    expect(await serveOnce("--workers", "1")).toBe(0);
    expect(stderr.join("")).not.toContain("WARNING");
  });

  it("closes the workers when listen fails, and reports the error", async () => {
    serverShape.listenThrows = true;
    expect(await cli("serve", "-m", "m", "--workers", "1")).toBe(1);
    expect(calls("close")).toHaveLength(1);
    expect(stderr.join("")).toContain("rerank-kit: error: EADDRINUSE\n");
  });

  it("closes the workers when createServer refuses the options, reporting the first line", async () => {
    serverShape.createThrows = true;
    expect(await cli("serve", "-m", "m", "--workers", "1")).toBe(1);
    expect(calls("close")).toHaveLength(1);
    expect(calls("listen")).toEqual([]);
    expect(stderr.join("")).toBe("rerank-kit: error: createServer refused\n");
  });

  it("hands the server what the flags say: batching, CORS, media, docs, prompts", async () => {
    serverShape.listenThrows = true;
    const server = async (...args: string[]): Promise<Record<string, unknown>> => {
      sink.length = 0;
      await cli("serve", "-m", "m", "--workers", "1", ...args);
      return calls("createServer")[0]?.[0] as Record<string, unknown>;
    };
    expect((await server("--no-batching")).batching).toBe(false);
    expect((await server("--batch-wait-ms", "0")).batching).toStrictEqual({ maxWaitMs: 0 });
    expect((await server()).batching).toStrictEqual({});
    expect((await server("--cors", "https://a.example", "*")).cors).toBe(true);
    expect((await server("--cors", "https://a.example")).cors).toEqual(["https://a.example"]);
    expect(await server()).not.toHaveProperty("cors");
    const plain = await server();
    expect(plain.scorePrompts).toBe(false);
    expect(plain.tokenizerInfo).toBe(false);
    expect(plain).not.toHaveProperty("publicDocs");
    expect(plain).not.toHaveProperty("allowedMediaDomains");
    expect(plain).not.toHaveProperty("allowedLocalMediaPath");
    expect(plain).not.toHaveProperty("allowPrivateMediaAddresses");
    expect(plain).not.toHaveProperty("apiKey");
    expect(plain).not.toHaveProperty("servedModelName");
    expect(plain).not.toHaveProperty("poolingTask");
    expect(plain).not.toHaveProperty("maxInFlightBodyBytes");
    expect(plain.concurrency).toBe(1);
    const all = await server("--public-docs", "--score-prompts", "--enable-tokenizer-info-endpoint", "--allowed-local-media-path", "");
    expect(all).toMatchObject({ publicDocs: true, scorePrompts: true, tokenizerInfo: true, allowedLocalMediaPath: "" });
  });

  it("passes the ColBERT convention to late-interaction models only, 'model' as 'colbert'", async () => {
    serverShape.listenThrows = true;
    modelShape.scoreType = "late-interaction";
    await cli("serve", "-m", "m", "--workers", "1", "--colbert-convention", "model");
    expect((calls("load")[0]?.[1] as Record<string, unknown>).convention).toBe("colbert");
    sink.length = 0;
    modelShape.scoreType = "cross-encoder";
    await cli("serve", "-m", "m", "--workers", "1", "--colbert-convention", "colbert");
    expect(calls("load")[0]?.[1]).not.toHaveProperty("convention");
  });

  it("keeps the full LM head only with --no-rewrite-head, and warns about ignored --hf-overrides keys", async () => {
    serverShape.listenThrows = true;
    await cli("serve", "-m", "m", "--workers", "1");
    expect(calls("load")[0]?.[1]).not.toHaveProperty("rewriteHead");
    sink.length = 0;
    await cli("serve", "-m", "m", "--workers", "1", "--no-rewrite-head", "--hf-overrides", '{"num_labels": 3}');
    expect((calls("load")[0]?.[1] as Record<string, unknown>).rewriteHead).toBe(false);
    expect(stderr.join("")).toContain("rerank-kit: warning: --hf-overrides num_labels: no effect here");
  });

  it("defaults to one worker per core, at most four", async () => {
    serverShape.listenThrows = true;
    await cli("serve", "-m", "m");
    const workers = (calls("load")[0]?.[1] as { workers: number }).workers;
    expect(workers).toBeGreaterThanOrEqual(1);
    expect(workers).toBeLessThanOrEqual(4);
  });

  it("defaults to one worker with all cores for --dtype q8, and --workers still wins", async () => {
    serverShape.listenThrows = true;
    await cli("serve", "-m", "m", "--dtype", "q8");
    expect(calls("load")[0]?.[1]).toMatchObject({ workers: 1, dtype: "q8" });
    expect(calls("load")[0]?.[1]).not.toHaveProperty("threads");
    sink.length = 0;
    await cli("serve", "-m", "m", "--dtype", "q8", "--workers", "2");
    expect(calls("load")[0]?.[1]).toMatchObject({ workers: 2, dtype: "q8" });
  });
});

describe("helpers", () => {
  it("dashedFlags changes flag names only, leaves node, the script, values and what follows -- alone", () => {
    expect(dashedFlags(["no_de", "scr_ipt", "--hf_overrides={\"a_b\":1}", "--max_model_len", "4_0", "-x_y", "--", "--keep_me"])).toEqual([
      "no_de", "scr_ipt", "--hf-overrides={\"a_b\":1}", "--max-model-len", "4_0", "-x_y", "--", "--keep_me",
    ]);
    // A `--` among node and the script is not the end of the flags.
    expect(dashedFlags(["--", "--a_b", "--c_d"])).toEqual(["--", "--a_b", "--c-d"]);
  });

  it("oneLine keeps the first line, trimmed, and names an empty error", () => {
    expect(oneLine(new Error("  first  \nsecond"))).toBe("first");
    expect(oneLine("plain text")).toBe("plain text");
    expect(oneLine(new Error(""))).toBe("unknown error");
    expect(new CliError("x").exitCode).toBe(1);
    expect(new CliError("x").name).toBe("CliError");
  });

  it("parses integers, positive integers and ports", () => {
    expect(integer(" 12 ")).toBe(12);
    expect(integer("0")).toBe(0);
    for (const bad of ["-1", "1.5", "1e3", "", "x1", "1x", "99999999999999999999"]) expect(() => integer(bad), bad).toThrow("Not a non-negative integer.");
    expect(positiveInteger("1")).toBe(1);
    expect(() => positiveInteger("0")).toThrow("Must be at least 1.");
    expect(port("65535")).toBe(65535);
    expect(port("0")).toBe(0);
    expect(() => port("65536")).toThrow("Not a TCP port (0-65535).");
  });

  it("TopN keeps the best n, ties in arrival order, and refuses NaN naming the line", () => {
    const top = new TopN(2);
    for (const [index, score] of [[0, 1], [1, 3], [2, 3], [3, 2], [4, 3]] as const) top.add({ index, score, text: String(index) });
    expect(top.sorted().map((s) => s.index)).toEqual([1, 2]);
    const wide = new TopN(10);
    for (const [index, score] of [[0, 1], [1, 3], [2, 2], [3, 3], [4, 0]] as const) wide.add({ index, score, text: "" });
    expect(wide.sorted().map((s) => s.index)).toEqual([1, 3, 2, 0, 4]);
    expect(() => top.add({ index: 6, score: Number.NaN, text: "" })).toThrow("Score of line 7 is NaN; refusing to rank it");
  });

  it("readChatTemplate takes presets, files and Jinja text, and refuses anything else", async () => {
    expect(await readChatTemplate("qwen3-reranker")).toBe("qwen3-reranker");
    expect(await readChatTemplate(file("t.jinja", "from {{ file }}"))).toBe("from {{ file }}");
    expect(await readChatTemplate("a {{ b }}")).toBe("a {{ b }}");
    expect(await readChatTemplate("a {% if x %}y{% endif %}")).toBe("a {% if x %}y{% endif %}");
    await expect(readChatTemplate("just words { not }")).rejects.toThrow(CliError);
  });

  it("a --chat-template file holds at most 1 MiB, as a model folder's chat_template.jinja: a CliError naming the file", async () => {
    const limit = 1024 * 1024;
    const at = file("at.jinja", `{{ x }}${"y".repeat(limit - 7)}`);
    expect((await readChatTemplate(at)).length).toBe(limit);
    const over = file("over.jinja", `{{ x }}${"y".repeat(limit - 6)}`);
    const error = await readChatTemplate(over).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toBe(
      `--chat-template ${over}: the file is ${limit + 1} bytes, more than the ${limit} bytes a template file can hold (as a model folder's chat_template.jinja)`,
    );
    // Not a regular file (a device, a pipe): counted as read, so /dev/zero ends instead of filling memory.
    await expect(readChatTemplate("/dev/zero")).rejects.toThrow(
      `--chat-template /dev/zero: the file yields more than the ${limit} bytes a template file can hold (as a model folder's chat_template.jinja)`,
    );
  });

  it("loadOptions sets only the flags given", async () => {
    expect(await loadOptions({ model: "m" })).toEqual({});
    expect(await loadOptions({ model: "m", localFilesOnly: true, chatTemplate: "x {{ y }}", hfOverrides: "{}" })).toEqual({
      localFilesOnly: true,
      scoreTemplate: "x {{ y }}",
      hfOverrides: "{}",
    });
  });

  it("loadOptions leaves every unset flag out of the loader's options (no key set to undefined), and passes --cache-dir", async () => {
    expect(Object.keys(await loadOptions({ model: "m" }))).toEqual([]);
    expect(await loadOptions({ model: "m", cacheDir: "/tmp/hub", revision: "v2", maxLength: 64, dtype: "q8", scoreType: "cross-encoder" })).toStrictEqual({
      cacheDir: "/tmp/hub",
      revision: "v2",
      maxLength: 64,
      dtype: "q8",
      scoreType: "cross-encoder",
    });
  });

  it("readChatTemplate closes the template file it read (no descriptor left open per load)", async () => {
    const path = file("closed.jinja", "{{ closed }}");
    expect(await readChatTemplate(path)).toBe("{{ closed }}");
    const open = readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
    expect(open).toEqual([]);
  });

  it("mediaOptions passes --allow-private-media-addresses on as true", () => {
    expect(mediaOptions({ maxMediaBytes: 1, mediaFetchTimeoutMs: 2, allowPrivateMediaAddresses: true })).toEqual({
      maxMediaBytes: 1,
      mediaFetchTimeoutMs: 2,
      allowPrivateMediaAddresses: true,
    });
  });

  it("rerank and embed require --model: exit 2 naming the flag", async () => {
    for (const command of ["rerank", "embed"]) {
      stderr.length = 0;
      expect(await cli(command, "-q", "q", "-i", file("m.txt", "a\n"))).toBe(2);
      expect(stderr.join("")).toContain("required option '-m, --model <id|folder>' not specified");
    }
  });

  it("names itself rerank-kit in the help and describes itself, whatever the script's file name", async () => {
    expect(await run(["node", "/usr/lib/node_modules/rerank-kit/dist/cli/main.js", "--help"])).toBe(0);
    const help = stdout.join("");
    expect(help).toMatch(/^Usage: rerank-kit \[options\] \[command\]\n\n\S[^\n]*embeddings[^\n]*\n/);
  });

  it("after a usage error points to --help", async () => {
    expect(await cli("embed", "-m", "m", "--nope")).toBe(2);
    expect(stderr.join("")).toContain("(run with --help for usage)");
  });

  it("mediaOptions keeps unset flags unset and an empty local path as given", () => {
    expect(mediaOptions({ maxMediaBytes: 1, mediaFetchTimeoutMs: 2 })).toEqual({ maxMediaBytes: 1, mediaFetchTimeoutMs: 2 });
    expect(mediaOptions({ maxMediaBytes: 1, mediaFetchTimeoutMs: 2, allowedLocalMediaPath: "", allowPrivateMediaAddresses: false })).toEqual({
      maxMediaBytes: 1,
      mediaFetchTimeoutMs: 2,
      allowedLocalMediaPath: "",
    });
  });

  it("writeLines writes nothing for no lines and waits for drain on a full stream", async () => {
    const out = new PassThrough({ highWaterMark: 4 });
    const written: string[] = [];
    out.on("data", (d: Buffer) => written.push(d.toString()));
    await writeLines(out, []);
    expect(written).toEqual([]);
    out.pause();
    let finished = false;
    const pending = writeLines(out, ["a long line", "another"]).then(() => (finished = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(finished).toBe(false);
    out.resume();
    await pending;
    expect(written.join("")).toBe("a long line\nanother\n");
  });

  it("streamTexts tells a terminal user how to end stdin, and calls finish before the error", async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    stdin.end("a\n{bad\n");
    const seen: string[][] = [];
    let finished = false;
    await expect(
      streamTexts({ input: "-", batchSize: 10, label: "t", stdin }, async (b) => void seen.push(b.texts), async () => void (finished = true)),
    ).rejects.toThrow("1 input line could not be read (first: line 2: invalid JSON");
    expect(seen).toEqual([["a"]]);
    expect(finished).toBe(true);
    expect(stderr.join("")).toContain("reading texts from the terminal, one per line; end with Ctrl-D");
    const quiet = new PassThrough();
    quiet.end("");
    stderr.length = 0;
    await expect(streamTexts({ input: "-", batchSize: 1, label: "t", stdin: quiet }, async () => undefined)).rejects.toThrow("--input (stdin) holds no texts");
    expect(stderr.join("")).toBe("");
  });
});

describe("help", () => {
  it("describes every command, every flag and serve's model argument", async () => {
    const { Command } = await import("commander");
    const { registerServe } = await import("../../src/cli/commands/serve.js");
    const { registerRerank } = await import("../../src/cli/commands/rerank.js");
    const { registerEmbed } = await import("../../src/cli/commands/embed.js");
    const { registerConvert } = await import("../../src/cli/commands/convert.js");
    const { registerQuantize } = await import("../../src/cli/commands/quantize.js");
    const program = new Command();
    for (const register of [registerServe, registerRerank, registerEmbed, registerConvert, registerQuantize]) register(program);
    expect(program.commands.map((c) => c.name())).toEqual(["serve", "rerank", "embed", "convert", "quantize"]);
    for (const command of program.commands) {
      expect(command.description().length, command.name()).toBeGreaterThan(20);
      for (const option of command.options) expect(option.description.length, `${command.name()} ${option.long}`).toBeGreaterThan(5);
    }
    const serve = program.commands[0]!;
    expect(serve.registeredArguments.map((a) => [a.name(), a.required, a.description.length > 10])).toEqual([["model", false, true]]);
    // Defaults a user reads in --help.
    const defaults = Object.fromEntries(serve.options.map((o) => [o.long, o.defaultValue as unknown]));
    expect(defaults).toMatchObject({ "--host": "127.0.0.1", "--port": 8000, "--colbert-convention": "vllm", "--log": "off" });
    const embed = program.commands[2]!;
    expect(Object.fromEntries(embed.options.map((o) => [o.long, o.defaultValue as unknown]))).toMatchObject({ "--input": "-", "--kind": "document", "--batch-size": 2048 });
    const rerank = program.commands[1]!;
    expect(Object.fromEntries(rerank.options.map((o) => [o.long, o.defaultValue as unknown]))).toMatchObject({ "--input": "-", "--batch-size": 2048 });
    const quantize = program.commands[4]!;
    expect(Object.fromEntries(quantize.options.map((o) => [o.long, o.defaultValue as unknown]))).toMatchObject({ "--granularity": "per-column" });
  });
});

describe("stdin", () => {
  it("rerank and embed read standard input without --input", async () => {
    const real = process.stdin;
    try {
      for (const [command, fn] of [["rerank", "score"], ["embed", "embed"]] as const) {
        const stdin = new PassThrough();
        stdin.end("from stdin\n");
        Object.defineProperty(process, "stdin", { value: stdin, configurable: true });
        sink.length = 0;
        expect(await cli(command, "-m", "m", ...(command === "rerank" ? ["-q", "q"] : [])), command).toBe(0);
        expect(JSON.stringify(calls(fn)), command).toContain("from stdin");
      }
    } finally {
      Object.defineProperty(process, "stdin", { value: real, configurable: true });
    }
  });
});

describe("convert and quantize", () => {
  it("convert prints the result and refuses bad token lists and contradicting template flags", async () => {
    expect(await cli("convert", "-m", "llm", "-o", join(dir, "out"))).toBe(0);
    expect(stdout.join("")).toBe(`${JSON.stringify({ converted: "llm" }, null, 2)}\n`);
    expect(calls("convert")).toStrictEqual([["llm", { out: join(dir, "out"), classifierFromTokens: undefined, method: undefined, scoreTemplate: undefined }]]);
    for (const bad of ["[]", "[1]", "{}", "no json"]) {
      stderr.length = 0;
      expect(await cli("convert", "-m", "llm", "-o", "x", "--classifier-from-tokens", bad), bad).toBe(2);
      expect(stderr.join(""), bad).toContain("Not a JSON array of strings, e.g. '[\"no\",\"yes\"]'.");
    }
    stderr.length = 0;
    expect(await cli("convert", "-m", "llm", "-o", "x", "--no-template", "--chat-template", "qwen3-reranker")).toBe(2);
    // It used to exit 2 with no message at all (an InvalidArgumentError thrown after parsing).
    expect(stderr.join("")).toBe("rerank-kit: error: --chat-template and --no-template contradict each other; keep one\n");
    sink.length = 0;
    expect(await cli("convert", "-m", "llm", "-o", "x", "--no-template")).toBe(0);
    expect((calls("convert")[0]?.[1] as { scoreTemplate: unknown }).scoreTemplate).toBe(false);
    sink.length = 0;
    expect(await cli("convert", "-m", "llm", "-o", "x", "--chat-template", "qwen3-reranker")).toBe(0);
    expect((calls("convert")[0]?.[1] as { scoreTemplate: unknown }).scoreTemplate).toBe("qwen3-reranker");
  });

  it("quantize prints the result, runs the parity check unless --no-parity, and checks --sample", async () => {
    expect(await cli("quantize", "-m", "fp32", "-o", join(dir, "q"))).toBe(0);
    expect(stdout.join("")).toBe(`${JSON.stringify({ quantized: "fp32" }, null, 2)}\n`);
    expect(calls("quantize")).toStrictEqual([["fp32", { out: join(dir, "q"), granularity: "per-column", skipParity: false }]]);
    sink.length = 0;
    expect(await cli("quantize", "-m", "fp32", "-o", "q", "--no-parity", "--sample", file("s.json", '{"query":"q","documents":["a","b"]}'))).toBe(0);
    expect(calls("quantize")[0]?.[1]).toMatchObject({ skipParity: true, sample: { query: "q", documents: ["a", "b"] } });
    const refused: [string, string][] = [
      [join(dir, "absent.json"), `cannot read --sample ${join(dir, "absent.json")}: ENOENT`],
      [file("bad.json", "{nope"), "is not JSON; expected"],
      [file("one.json", '{"query":"q","documents":["a"]}'), 'must be {"query": "...", "documents": [at least 2 strings]}'],
      [file("nums.json", '{"query":"q","documents":["a",2]}'), "at least 2 strings"],
      [file("noq.json", '{"documents":["a","b"]}'), "at least 2 strings"],
      [file("nodocs.json", '{"query":"q","documents":"ab"}'), "at least 2 strings"],
      [file("null.json", "null"), "at least 2 strings"],
    ];
    for (const [sample, message] of refused) {
      stderr.length = 0;
      sink.length = 0;
      expect(await cli("quantize", "-m", "fp32", "-o", "q", "--sample", sample), sample).toBe(2);
      expect(stderr.join(""), sample).toContain(message);
      expect(calls("quantize")).toEqual([]);
    }
  });

  it("convert refuses a token list with any entry that is not a string, even when others are", async () => {
    // vLLM's classifier_from_token names vocabulary tokens: a number among them is a typo, not a
    // token, and must stop the run before the converter reads the model.
    for (const bad of ['["no",1]', '["no",null]', '[1,"yes"]']) {
      stderr.length = 0;
      sink.length = 0;
      expect(await cli("convert", "-m", "llm", "-o", "x", "--classifier-from-tokens", bad), bad).toBe(2);
      expect(stderr.join(""), bad).toContain("Not a JSON array of strings, e.g. '[\"no\",\"yes\"]'.");
      expect(calls("convert"), bad).toEqual([]);
    }
  });

  it("convert and quantize hand --cache-dir and --local-files-only to the loader as given", async () => {
    const cache = join(dir, "hub-cache");
    expect(await cli("convert", "-m", "llm", "-o", "x", "--cache-dir", cache, "--local-files-only")).toBe(0);
    expect(calls("convert")[0]?.[1]).toMatchObject({ cacheDir: cache, localFilesOnly: true });
    expect(await cli("quantize", "-m", "fp32", "-o", "q", "--cache-dir", cache, "--local-files-only")).toBe(0);
    expect(calls("quantize")[0]?.[1]).toMatchObject({ cacheDir: cache, localFilesOnly: true });
  });

  it("quantize takes both granularities by name, the default one included", async () => {
    for (const granularity of ["per-column", "per-tensor"]) {
      sink.length = 0;
      stderr.length = 0;
      expect(await cli("quantize", "-m", "fp32", "-o", "q", "--granularity", granularity), granularity).toBe(0);
      expect(stderr.join(""), granularity).toBe("");
      expect(calls("quantize")[0]?.[1], granularity).toMatchObject({ granularity });
    }
  });
});

describe("serve, family-dependent flags", () => {
  async function loadAndServer(...args: string[]): Promise<{ code: number; load: Record<string, unknown>; server: Record<string, unknown> }> {
    serverShape.listenThrows = true;
    sink.length = 0;
    stderr.length = 0;
    const code = await cli("serve", "-m", "m", "--workers", "1", ...args);
    return { code, load: calls("load")[0]?.[1] as Record<string, unknown>, server: calls("createServer")[0]?.[0] as Record<string, unknown> };
  }

  it("stops on SIGINT too, saying so", async () => {
    const done = cli("serve", "-m", "m", "--workers", "1");
    for (let i = 0; i < 200 && !stderr.join("").includes("rerank-kit: serving"); i++) await new Promise((r) => setTimeout(r, 5));
    process.emit("SIGINT", "SIGINT");
    expect(await done).toBe(0);
    expect(stderr.join("")).toContain("rerank-kit: SIGINT: finishing in-flight requests");
  });

  it("sends an encoder's chat template to the server and a reranker's to the loader", async () => {
    const enc = await loadAndServer("--chat-template", "C: {{ messages }}");
    expect(enc.load).not.toHaveProperty("scoreTemplate");
    expect(enc.server.chatTemplate).toBe("C: {{ messages }}");
    modelShape.scoreType = "cross-encoder";
    const ce = await loadAndServer("--chat-template", "qwen3-reranker");
    expect(ce.load.scoreTemplate).toBe("qwen3-reranker");
    expect(ce.server.chatTemplate).toBe("qwen3-reranker");
    const none = await loadAndServer();
    expect(none.load).not.toHaveProperty("scoreTemplate");
    expect(none.server).not.toHaveProperty("chatTemplate");
  });

  it("refuses a reranker preset as an encoder's chat template, naming the family", async () => {
    const r = await loadAndServer("--chat-template", "qwen3-reranker");
    expect(r.code).toBe(2);
    expect(stderr.join("")).toContain("--chat-template qwen3-reranker is a reranker's score template; a bi-encoder takes a Jinja chat template");
    expect(calls("load")).toEqual([]);
  });

  it("splits --hf-overrides: Matryoshka keys to the server, head keys to the loader", async () => {
    const r = await loadAndServer("--hf-overrides", '{"matryoshka_dimensions":[4,8],"classifier_from_token":["a","b"]}');
    expect(r.server.matryoshka).toEqual([4, 8]);
    expect(r.load.hfOverrides).toBe('{"classifier_from_token":["a","b"]}');
    const plain = await loadAndServer();
    expect(plain.server).not.toHaveProperty("matryoshka");
    expect(plain.load).not.toHaveProperty("hfOverrides");
  });

  it("leaves the family to the worker's load when the files cannot be read here", async () => {
    filesShape.throws = true;
    const r = await loadAndServer("--chat-template", "qwen3-reranker", "--hf-overrides", '{"architectures":["X"]}');
    // Unknown family: a reranker's score template and every override go to the loader.
    expect(r.load.scoreTemplate).toBe("qwen3-reranker");
    expect(r.load.hfOverrides).toBe('{"architectures":["X"]}');
    expect(r.load).not.toHaveProperty("convention");
  });

  it("takes the family from --score-type without reading the files", async () => {
    filesShape.throws = true;
    const r = await loadAndServer("--score-type", "late-interaction", "--colbert-convention", "vllm");
    expect(r.load.convention).toBe("vllm");
  });

  it("checks --task and --runner against the model, warns for --trust-remote-code, and reads --max-model-len", async () => {
    modelShape.scoreType = "cross-encoder";
    expect((await loadAndServer("--task", "embed")).code).toBe(2);
    expect(stderr.join("")).toContain("--task embed needs a bi-encoder model; this model is a cross-encoder");
    expect((await loadAndServer("--runner", "generate")).code).toBe(2);
    const r = await loadAndServer("--trust-remote-code", "--max-model-len", "77");
    expect(stderr.join("")).toContain("--trust-remote-code has no effect");
    expect(r.load.maxLength).toBe(77);
    expect((await loadAndServer("--max-model-len", "77", "--max-length", "78")).code).toBe(2);
    expect((await loadAndServer("extra/model")).code).toBe(2);
    expect(stderr.join("")).toContain("serve: the model is given twice");
  });

  it("passes the key, names, pooling task, timeouts and limits as given", async () => {
    const r = await loadAndServer(
      "--api-key-file", file("k.txt", "secret\n"), "--served-model-name", "a", "b", "--pooler-config.task", "token_embed",
      "--max-in-flight-body-bytes", "99", "--max-batch-pairs", "7", "--load-timeout-ms", "5",
    );
    expect(r.server).toMatchObject({ apiKey: "secret", servedModelName: ["a", "b"], poolingTask: "token_embed", maxInFlightBodyBytes: 99, batching: { maxBatchPairs: 7 } });
    expect(r.load.loadTimeoutMs).toBe(5);
    expect(r.load.workers).toBe(1);
    expect(r.server.closeScorer).toBe(true);
    expect(r.server.requestLog).toBe("off");
    const plain = await loadAndServer();
    expect(plain.load).not.toHaveProperty("loadTimeoutMs");
  });
});

describe("serve, as typed", () => {
  it("takes the model as its only argument, as `vllm serve MODEL`, and asks for one when none is given", async () => {
    serverShape.listenThrows = true;
    expect(await cli("serve", "positional/model", "--workers", "1")).toBe(1);
    expect(calls("load").map((args) => args[0])).toEqual(["positional/model"]);
    expect(stderr.join("")).toBe("rerank-kit: error: EADDRINUSE\n");
    sink.length = 0;
    stderr.length = 0;
    expect(await cli("serve", "--workers", "1")).toBe(2);
    expect(stderr.join("")).toBe("rerank-kit: error: serve: name the model: rerank-kit serve MODEL (or --model MODEL)\n");
    expect(calls("load")).toEqual([]);
  });

  it("--log off is accepted by name (the default spelled out) and reaches the server", async () => {
    serverShape.listenThrows = true;
    expect(await cli("serve", "-m", "m", "--workers", "1", "--log", "off")).toBe(1);
    expect(stderr.join("")).toBe("rerank-kit: error: EADDRINUSE\n");
    expect((calls("createServer")[0]?.[0] as { requestLog: string }).requestLog).toBe("off");
  });

  it("names every --hf-overrides key that has no effect, comma-separated", async () => {
    serverShape.listenThrows = true;
    await cli("serve", "-m", "m", "--workers", "1", "--hf-overrides", '{"num_labels": 3, "id2label": {"0": "a"}}');
    expect(stderr.join("")).toContain(
      "rerank-kit: warning: --hf-overrides num_labels, id2label: no effect here (rerank-kit reads the model's own files)\n",
    );
  });
});

describe("more flags that must reach something", () => {
  it("embed --kind document is accepted as given, and --sparse keeps every vector of a batch in order", async () => {
    expect(await cli("embed", "-m", "m", "--kind", "document", "-i", file("kind.txt", "a\n"))).toBe(0);
    expect(calls("embed")).toStrictEqual([[["a"], { kind: "document" }]]);
    stdout.length = 0;
    expect(await cli("embed", "-m", "m", "--sparse", "-i", file("two.txt", "ab\nabc\n"))).toBe(0);
    expect(lines()).toEqual([
      { index: 0, indices: [7, 9], values: [2, 0.25] },
      { index: 1, indices: [7, 9], values: [3, 0.25] },
    ]);
  });

  it("embed --sparse honours --max-line-bytes (it was read only without --sparse)", async () => {
    const input = file("long-sparse.txt", "short\nthis line is longer than eleven bytes\n");
    expect(await cli("embed", "-m", "m", "--sparse", "--max-line-bytes", "11", "-i", input)).toBe(1);
    expect(stderr.join("")).toContain("line 2 is longer than 11 bytes (--max-line-bytes)");
    expect(JSON.stringify(sink)).not.toContain("eleven");
  });

  it("serve --log text and json reach the server; a plain serve prints no warning", async () => {
    serverShape.listenThrows = true;
    for (const log of ["text", "json"]) {
      sink.length = 0;
      await cli("serve", "-m", "m", "--workers", "1", "--log", log);
      expect((calls("createServer")[0]?.[0] as { requestLog: string }).requestLog).toBe(log);
    }
    stderr.length = 0;
    await cli("serve", "-m", "m", "--workers", "1");
    expect(stderr.join("").toLowerCase()).not.toContain("warning");
  });

  it("serve takes RERANK_KIT_API_KEY from the environment", async () => {
    serverShape.listenThrows = true;
    process.env["RERANK_KIT_API_KEY"] = "from-env";
    try {
      await cli("serve", "-m", "m", "--workers", "1", "--host", "0.0.0.0");
    } finally {
      delete process.env["RERANK_KIT_API_KEY"];
    }
    expect((calls("createServer")[0]?.[0] as { apiKey: string }).apiKey).toBe("from-env");
  });

  it("--pooler-config refuses JSON that is not an object, names every extra key, and lets the dotted form fill in", () => {
    for (const json of ["null", "7", '"embed"']) expect(() => poolingTaskOf(json, undefined), json).toThrow("--pooler-config must be a JSON object");
    expect(() => poolingTaskOf('{"a": 1, "b": 2}', undefined)).toThrow("got a, b");
    expect(poolingTaskOf("{}", "classify")).toBe("classify");
    expect(poolingTaskOf('{"task": "classify"}', "classify")).toBe("classify");
    // The forms test/cli/serve-pooling-tasks.test.ts checks, here in the mutation run's file list
    // (that file also spawns servers on real models, too slow for it).
    expect(poolingTaskOf('{"task": "token_embed"}', undefined)).toBe("token_embed");
    expect(poolingTaskOf(undefined, "classify")).toBe("classify");
    expect(poolingTaskOf(undefined, undefined)).toBeUndefined();
    expect(() => poolingTaskOf("{task", undefined)).toThrow(`--pooler-config must be a JSON object such as '{"task": "token_embed"}', got {task`);
    expect(() => poolingTaskOf("[1]", undefined)).toThrow("--pooler-config must be a JSON object");
    expect(() => poolingTaskOf('{"task": "embed", "normalize": false}', undefined)).toThrow(
      '--pooler-config: only "task" can be set here (the model\'s files decide pooling and normalization), got normalize',
    );
    expect(() => poolingTaskOf('{"task": "reward"}', undefined)).toThrow('--pooler-config: task must be one of embed, classify, token_embed, token_classify, got "reward"');
    expect(() => poolingTaskOf('{"task": "embed"}', "token_embed")).toThrow("--pooler-config.task token_embed contradicts --pooler-config's task embed");
    for (const bad of ["{task", '{"task": "reward"}']) {
      try {
        poolingTaskOf(bad, undefined);
      } catch (error) {
        expect((error as CliError).exitCode, bad).toBe(2);
      }
    }
  });

  it("serve's default pool is one worker per core, at most four", () => {
    expect([1, 2, 3, 4, 5, 8, 64].map((cores) => defaultServeWorkers(cores))).toEqual([1, 2, 3, 4, 4, 4, 4]);
    expect(defaultServeWorkers(0)).toBe(1);
  });

  it("serve's default pool for dynamic int8 weights is one worker (with all cores), whatever the cores", () => {
    for (const dtype of ["q8", "int8", "uint8"]) expect([1, 2, 4, 8].map((cores) => defaultServeWorkers(cores, dtype)), dtype).toEqual([1, 1, 1, 1]);
    for (const dtype of ["fp32", "fp16", "q4", undefined]) expect(defaultServeWorkers(2, dtype), String(dtype)).toBe(2);
  });
});

describe("progress on a terminal", () => {
  it("labels the bar with the command's name", async () => {
    const input = file("many.txt", Array.from({ length: 70 }, (_, i) => `line ${i}`).join("\n"));
    const tty = process.stderr.isTTY;
    Object.defineProperty(process.stderr, "isTTY", { value: true, configurable: true });
    try {
      for (const command of ["rerank", "embed"]) {
        stderr.length = 0;
        expect(await cli(command, "-m", "m", ...(command === "rerank" ? ["-q", "q"] : []), "-i", input), command).toBe(0);
        expect(stderr.join(""), command).toContain(`${command} [`);
      }
      stderr.length = 0;
      expect(await cli("embed", "-m", "m", "--sparse", "-i", input)).toBe(0);
      expect(stderr.join("")).toContain("embed [");
      // Progress inside a batch: the model gets the bar's callback.
      for (const fn of ["score", "embed", "embedSparse"]) {
        expect(typeof ((calls(fn)[0]?.[2] ?? calls(fn)[0]?.[1]) as { onProgress?: unknown } | undefined)?.onProgress, fn).toBe("function");
      }
    } finally {
      Object.defineProperty(process.stderr, "isTTY", { value: tty, configurable: true });
    }
  });
});
