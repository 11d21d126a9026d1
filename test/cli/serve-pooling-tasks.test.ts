// `rerank-kit serve` runs its model in worker threads: the classify and token_embed calls must
// cross that boundary too, or /classify and `--pooler-config` token_embed would exist only for
// `createServer()` users. The classifier's probabilities are checked against the float64
// reference forward pass, the token rows against the in-process scorer (whose own parity with
// the reference is tests/server/vllm-conformance/token-embed-online.test.ts).
import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { CliError } from "../../src/cli/cli-error.js";
import { poolingTaskOf } from "../../src/cli/commands/serve.js";
import { BiEncoderScorer } from "../../src/index.js";
import { referenceForward } from "../reference/index.js";
import { CLS, SEP, modelDir, rawIds, weightsOf } from "../local/helpers.js";
import { spawnCli } from "./run-cli.js";

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

async function serve(args: string[]): Promise<string> {
  const child = spawnCli(["serve", "--port", "0", "--workers", "1", "--threads", "1", ...args]);
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /^rerank-kit: serving .* on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

/** The fields of the /classify and /pooling answers these tests read. */
interface Answer {
  data: Array<{ probs: number[]; label: string | null; data: number[][] }>;
}

async function post(url: string, body: unknown): Promise<{ status: number; body: Answer }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Answer };
}

function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

describe("--pooler-config", () => {
  it("reads vLLM's JSON and dotted forms", () => {
    expect(poolingTaskOf('{"task": "token_embed"}', undefined)).toBe("token_embed");
    expect(poolingTaskOf(undefined, "classify")).toBe("classify");
    expect(poolingTaskOf('{"task": "embed"}', "embed")).toBe("embed");
    expect(poolingTaskOf(undefined, undefined)).toBeUndefined();
  });

  it("refuses broken JSON, other keys, unknown tasks and contradictions with exit code 2", () => {
    const refused = (json: string | undefined, dotted?: "embed" | "classify" | "token_embed"): CliError => {
      try {
        poolingTaskOf(json, dotted);
      } catch (error) {
        expect(error).toBeInstanceOf(CliError);
        expect((error as CliError).exitCode).toBe(2);
        return error as CliError;
      }
      throw new Error("accepted");
    };
    expect(refused("{task").message).toContain("must be a JSON object");
    expect(refused("[1]").message).toContain("must be a JSON object");
    expect(refused('{"task": "embed", "normalize": false}').message).toContain("got normalize");
    // token_classify became a task (bge-m3's lexical weights); a task vLLM's text models lack is still refused.
    expect(refused('{"task": "reward"}').message).toContain('one of embed, classify, token_embed, token_classify, got "reward"');
    expect(refused('{"task": "embed"}', "token_embed").message).toContain("contradicts");
  });
});

describe("rerank-kit serve with a pooling task the model lacks", () => {
  it("exits with the reason and stops its workers instead of hanging", async () => {
    const dir = await modelDir("bi-encoder-mean");
    const child = spawnCli(["serve", "--port", "0", "--workers", "1", "-m", dir, "--pooler-config.task", "classify"]);
    children.push(child);
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).not.toBe(0);
    expect(err).toContain('`poolingTask` "classify" is not a task of this model');
  }, 30_000);
});

describe("rerank-kit serve forwards classify and token_embed to its workers", () => {
  it("/classify on a 3-label classifier gives the reference softmax, and /score is off as in vLLM", async () => {
    const dir = await modelDir("cross-encoder-3labels");
    const url = await serve(["-m", dir, "--score-type", "cross-encoder"]);
    const text = "the weather in paris is nice";
    const r = await post(`${url}/classify`, { input: [text, "berlin"] });
    expect(r.status).toBe(200);
    const ids = rawIds(dir);
    const weights = weightsOf("cross-encoder-3labels");
    [text, "berlin"].forEach((t, i) => {
      const logits = referenceForward(weights, { inputIds: [CLS, ...ids(t), SEP] }).labelLogits as number[];
      const expected = softmax(logits);
      const got = r.body.data[i]!.probs;
      expect(got).toHaveLength(3);
      got.forEach((p, k) => expect(Math.abs(p - (expected[k] as number))).toBeLessThanOrEqual(1e-4));
      expect(r.body.data[i]!.label).toBe(["NEG", "NEU", "POS"][expected.indexOf(Math.max(...expected))]);
    });
    expect((await post(`${url}/score`, { queries: "a", documents: "b" })).status).toBe(404);
  });

  it("--pooler-config.task token_embed serves per-token rows of a bi-encoder", async () => {
    const dir = await modelDir("bi-encoder-mean");
    const [jsonUrl, dottedUrl] = await Promise.all([
      serve(["-m", dir, "--pooler-config", '{"task": "token_embed"}']),
      serve(["-m", dir, "--pooler-config.task", "token_embed"]),
    ]);
    const text = "paris is the capital of france";
    const local = await BiEncoderScorer.fromPretrained(dir);
    try {
      const tokens = [CLS, ...rawIds(dir)(text), SEP];
      const [expected] = await local.embedTokenSequences([tokens]);
      for (const url of [jsonUrl, dottedUrl]) {
        const r = await post(`${url}/pooling`, { input: text, task: "token_embed", encoding_format: "float" });
        expect(r.status).toBe(200);
        const rows = r.body.data[0]!.data;
        expect(rows).toHaveLength(tokens.length);
        rows.forEach((row, t) => {
          expect(Math.hypot(...row)).toBeCloseTo(1, 5);
          row.forEach((v, k) => expect(Math.abs(v - (expected!.data[t * expected!.dim + k] as number))).toBeLessThanOrEqual(1e-5));
        });
        // As vLLM with --pooler-config task=token_embed: the embed task is no longer offered on /pooling.
        expect((await post(`${url}/pooling`, { input: text, task: "embed" })).status).toBe(400);
      }
    } finally {
      await local.close();
    }
  });
});
