import { readFileSync } from "node:fs";
import { writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { biEncoderEmbedding, crossEncoderReference } from "../local/reference-scores.js";
import { ensureTestModels } from "../fixtures/index.js";
import { runCli, spawnCli } from "./run-cli.js";

const DOCS = ["paris is the capital of france", "bananas are yellow", "the capital of brazil is brasilia"];
let models: Record<string, string>;
let docsFile: string;

beforeAll(async () => {
  models = await ensureTestModels();
  const dir = await mkdtemp(join(tmpdir(), "rerank-kit-cli-"));
  docsFile = join(dir, "docs.jsonl");
  await writeFile(docsFile, `${JSON.stringify({ text: DOCS[0], id: 1 })}\n${DOCS[1]}\n\n${JSON.stringify({ text: DOCS[2] })}\n`);
});

// Line numbers of DOCS in docsFile (line 2 is blank).
const LINE_OF = [0, 1, 3];

type Line = { index: number; score: number | null; text: string | null; error?: string };
const parse = (stdout: string): Line[] => stdout.trim().split("\n").map((l) => JSON.parse(l) as Line);

describe("rerank-kit rerank", () => {
  it("prints the best --top-n as JSON lines, best first, with line indices", async () => {
    const { code, stdout } = await runCli(["rerank", "--model", models["cross-encoder"]!, "--query", "capital of france", "--input", docsFile, "--top-n", "2"]);
    expect(code).toBe(0);
    const out = parse(stdout);
    // Expected from the float64 reference on the same weights, not from the library under test.
    const scores = crossEncoderReference(models["cross-encoder"]!)("capital of france", DOCS);
    const expected = scores.map((score, index) => ({ index, score })).sort((a, b) => b.score - a.score).slice(0, 2);
    expect(out.map((r) => r.index)).toEqual(expected.map((r) => LINE_OF[r.index]));
    out.forEach((r, i) => {
      expect(Math.abs((r.score as number) - expected[i]!.score)).toBeLessThanOrEqual(1e-4);
      expect(r.text).toBe(DOCS[expected[i]!.index]);
    });
  });

  it("without --top-n, prints every line in input order; a blank line keeps its index with a null score", async () => {
    const { code, stdout } = await runCli(["rerank", "-m", models["cross-encoder"]!, "-q", "capital of france", "--input", docsFile, "--batch-size", "2"]);
    expect(code).toBe(0);
    const out = parse(stdout);
    expect(out.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(out[2]).toEqual({ index: 2, score: null, text: null });
    // Expected from the float64 reference on the same weights, not from the library under test.
    const expected = crossEncoderReference(models["cross-encoder"]!)("capital of france", DOCS);
    LINE_OF.forEach((line, i) => expect(Math.abs(out[line]!.score! - expected[i]!)).toBeLessThanOrEqual(1e-4));
  });

  it("reads documents from stdin", async () => {
    const { code, stdout } = await runCli(["rerank", "-m", models["cross-encoder"]!, "-q", "capital"], DOCS.join("\n"));
    expect(code).toBe(0);
    expect(parse(stdout)).toHaveLength(3);
  });

  it("drops a UTF-8 byte order mark before the first JSONL record", async () => {
    const withBom = `\uFEFF${JSON.stringify({ text: DOCS[0] })}\n${JSON.stringify({ text: DOCS[1] })}\n`;
    const { code, stdout } = await runCli(["rerank", "-m", models["cross-encoder"]!, "-q", "capital"], withBom);
    expect(code).toBe(0);
    expect(parse(stdout).map((r) => r.text)).toEqual([DOCS[0], DOCS[1]]);
  });

  it("reports a broken JSON line by number, still scores the others, and exits 1", async () => {
    const input = `${DOCS[0]}\n{"text": "unterminated\n${DOCS[1]}\n`;
    const { code, stdout, stderr } = await runCli(["rerank", "-m", models["cross-encoder"]!, "-q", "capital"], input);
    expect(code).toBe(1);
    const out = parse(stdout);
    expect(out.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(out[1]!.error).toMatch(/^line 2: invalid JSON/);
    expect(out[2]!.text).toBe(DOCS[1]);
    expect(stderr).toContain("1 input line could not be read (first: line 2: invalid JSON");
  });

  it("exits 2 on bad flags with a one-line message", async () => {
    const [missing, badN, unknown, badType] = await Promise.all([
      runCli(["rerank", "--query", "q"]),
      runCli(["rerank", "-m", "x", "-q", "q", "--top-n", "-3"]),
      runCli(["rerank", "-m", "x", "-q", "q", "--frobnicate"]),
      runCli(["serve", "-m", "x", "--score-type", "magic"]),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--model");
    expect(badN.code).toBe(2);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option");
    expect(badType.code).toBe(2);
  });

  it("exits 1 on runtime failures, naming the problem in one line", async () => {
    const [noModel, noFile, badJson] = await Promise.all([
      runCli(["rerank", "-m", "/definitely/not/here", "-q", "q", "--input", docsFile]),
      runCli(["rerank", "-m", models["cross-encoder"]!, "-q", "q", "--input", "/nope.jsonl"]),
      runCli(["rerank", "-m", models["cross-encoder"]!, "-q", "q"], '{"title":"no text"}\n'),
    ]);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr.trim().split("\n")).toHaveLength(1);
    expect(noModel.stderr).toMatch(/^rerank-kit: error: .*\/definitely\/not\/here/);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain("cannot read --input /nope.jsonl");
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toContain('line 1: JSON object without a string "text" field');
  });

  it("bare rerank-kit prints help on stderr and exits 2 (a usage error), --help exits 0", async () => {
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("Usage: rerank-kit");
    expect(bare.stdout).toBe("");
  });

  it("serve --help shows the defaults of its limits", async () => {
    const { code, stdout: raw } = await runCli(["serve", "--help"]);
    expect(code).toBe(0);
    // commander wraps long lines; compare with single spaces.
    const stdout = raw.replace(/\s+/g, " ");
    for (const text of ["(default: 256)", "(default: 10485760)", "(default: 60000)", "(default: 30000)", "--max-body-bytes", "--header-timeout-ms", "--body-timeout-ms", "--idle-timeout-ms", "--api-key-file"]) {
      expect(stdout).toContain(text);
    }
  });

  it("prints help for each command with exit 0", async () => {
    const all = await Promise.all([[], ["serve"], ["rerank"], ["embed"]].map((cmd) => runCli([...cmd, "--help"])));
    for (const { code, stdout } of all) {
      expect(code).toBe(0);
      expect(stdout).toContain("Usage: rerank-kit");
    }
  });
});

describe("rerank-kit embed", () => {
  it("prints one JSON line per input line, equal to the model's embeddings; a blank line gives null", async () => {
    const { code, stdout } = await runCli(["embed", "-m", models["bi-encoder-mean"]!, "--input", docsFile, "--batch-size", "1"]);
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as { index: number; embedding: number[] | null });
    const embed = biEncoderEmbedding(models["bi-encoder-mean"]!);
    expect(lines.map((l) => l.index)).toEqual([0, 1, 2, 3]);
    expect(lines[2]!.embedding).toBeNull();
    LINE_OF.forEach((line, i) => {
      const expected = embed(DOCS[i]!, "passage: ");
      const got = lines[line]!.embedding!;
      expect(got).toHaveLength(expected.length);
      got.forEach((v, j) => expect(Math.abs(v - expected[j]!)).toBeLessThanOrEqual(1e-4));
    });
  });

  it("refuses a cross-encoder with exit 1", async () => {
    const r = await runCli(["embed", "-m", models["cross-encoder"]!, "--input", docsFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("embed needs a bi-encoder");
  });
});

describe("rerank-kit serve", () => {
  let child: ReturnType<typeof spawnCli> | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("serves /rerank on 127.0.0.1 with the env API key, and exits 0 on SIGTERM", async () => {
    child = spawnCli(["serve", "-m", models["cross-encoder"]!, "--port", "0", "--served-model-name", "tiny", "--threads", "1"], {
      RERANK_KIT_API_KEY: "env-key",
    });
    const url = await new Promise<string>((resolve, reject) => {
      let err = "";
      child!.stderr!.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child!.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    const headers = { "content-type": "application/json", authorization: "Bearer env-key" };
    const body = JSON.stringify({ model: "tiny", query: "capital of france", documents: DOCS });
    const res = await fetch(`${url}/rerank`, { method: "POST", headers, body });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { results: unknown[] }).results).toHaveLength(3);
    expect((await fetch(`${url}/rerank`, { method: "POST", headers: { "content-type": "application/json" }, body })).status).toBe(401);
    // SIGTERM while a large request is being scored: it still gets its answer, then exit 0.
    const many = Array.from({ length: 1000 }, (_, i) => `${DOCS[i % 3]} ${i}`);
    const inflight = fetch(`${url}/rerank`, {
      method: "POST",
      headers,
      body: JSON.stringify({ query: "capital of france", documents: many, top_n: 3 }),
    });
    for (let i = 0; i < 200; i++) {
      const load = (await (await fetch(`${url}/load`, { headers })).json()) as { server_load: number };
      if (load.server_load > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const exited = new Promise<number | null>((resolve) => child!.on("exit", resolve));
    child.kill("SIGTERM");
    const answer = await inflight;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { results: unknown[] }).results).toHaveLength(3);
    expect(await exited).toBe(0);
  });

  it("answers /health while a CPU-bound request runs in the worker, not on the main thread (Linux /proc)", async () => {
    const server = spawnCli(["serve", "-m", models["cross-encoder"]!, "--port", "0", "--threads", "1", "--max-documents", "8000"]);
    child = server;
    const url = await new Promise<string>((resolve, reject) => {
      let err = "";
      server.stderr!.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      server.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    const pid = server.pid!;
    // utime + stime in clock ticks, of the whole process and of its main thread (tid = pid).
    const ticks = (path: string): number => {
      const fields = readFileSync(path, "utf8").split(") ")[1]!.split(" ");
      return Number(fields[11]) + Number(fields[12]);
    };
    const cpu = () => ({ all: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) });
    const before = cpu();
    const many = Array.from({ length: 8000 }, (_, i) => `${DOCS[i % 3]} and some more words to make it longer ${i}, with yet more words so the pair costs twice as much ${i}`);
    let done = 0;
    const long = fetch(`${url}/rerank`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "capital of france", documents: many, top_n: 2 }),
    }).then(async (r) => {
      done = performance.now();
      return r;
    });
    for (let i = 0; i < 400; i++) {
      const load = (await (await fetch(`${url}/load`)).json()) as { server_load: number };
      if (load.server_load > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const latencies: number[] = [];
    let answeredDuring = 0;
    while (!done && latencies.length < 20) {
      const t0 = performance.now();
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      latencies.push(performance.now() - t0);
      if (!done) answeredDuring++;
      await new Promise((r) => setTimeout(r, 20));
    }
    const answer = await long;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { results: unknown[] }).results).toHaveLength(2);
    const after = cpu();
    const all = after.all - before.all;
    const main = after.main - before.main;
    console.log(`[serve] /health during a long request: ${answeredDuring} answers, max ${Math.max(...latencies).toFixed(0)} ms; CPU ticks main ${main} of ${all}`);
    expect(answeredDuring).toBeGreaterThanOrEqual(3);
    // The request was CPU-bound (8000 long pairs: 0.9-1.7 s of CPU on the 2-core machines this
    // runs on, so 40 ticks is a floor with margin for a faster one), and the main thread did a
    // small part of that work.
    expect(all).toBeGreaterThan(40);
    expect(main).toBeLessThan(0.35 * all);
    server.kill("SIGTERM");
    await new Promise((r) => server.on("exit", r));
  });
});

describe("rerank-kit serve an LLM reranker with --hf-overrides and --chat-template FILE", () => {
  let child: ReturnType<typeof spawnCli> | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("scores /score with a per-request instruction as transformers does", async () => {
    const { scoreTemplatePresets } = await import("../../src/templates/presets.js");
    const dir = await mkdtemp(join(tmpdir(), "rerank-kit-cli-llm-"));
    const templateFile = join(dir, "qwen3.jinja");
    await writeFile(templateFile, scoreTemplatePresets["qwen3-reranker"]);
    const model = "test/golden/llm-rerankers/qwen3-causal";
    const overrides = '{"architectures":["Qwen3ForSequenceClassification"],"classifier_from_token":["no","yes"],"is_original_qwen3_reranker":true}';
    child = spawnCli(["serve", "-m", model, "--port", "0", "--threads", "1", "--hf-overrides", overrides, "--chat-template", templateFile]);
    const url = await new Promise<string>((resolve, reject) => {
      let err = "";
      child!.stderr!.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child!.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    // Expected: transformers' logit[yes] - logit[no] for these pairs (test/golden/llm-rerankers).
    const golden = JSON.parse(readFileSync(join(model, "golden.json"), "utf8")) as {
      cases: Array<{ query: string; document: string; instruction: string | null }>;
      logits: number[];
    };
    const i = golden.cases.findIndex((c) => c.instruction !== null);
    const c = golden.cases[i]!;
    const body = { queries: c.query, documents: [c.document], instruction: c.instruction, use_activation: false };
    const res = await fetch(`${url}/score`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    const [served] = ((await res.json()) as { data: Array<{ score: number }> }).data.map((d) => d.score);
    expect(Math.abs(served! - golden.logits[i]!)).toBeLessThanOrEqual(1e-4);
    const exited = new Promise<number | null>((resolve) => child!.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
