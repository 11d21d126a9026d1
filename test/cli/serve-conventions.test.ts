// `rerank-kit serve` scores as vLLM by default and as the model's own conventions with
// --colbert-convention model / --score-prompts (README "Which score is which").
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels } from "../fixtures/index.js";
import { spawnCli } from "./run-cli.js";

let models: Record<string, string>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  models = await ensureTestModels();
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

async function serve(args: string[]): Promise<string> {
  const child = spawnCli(["serve", "--port", "0", "--threads", "1", ...args]);
  children.push(child);
  return new Promise<string>((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

async function post(url: string, body: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return res.json();
}

const maxSim = (q: number[][], d: number[][]): number =>
  q.reduce((s, row) => s + Math.max(...d.map((col) => col.reduce((a, v, k) => a + v * row[k]!, 0))), 0);
const cosine = (a: number[], b: number[]): number => {
  const dot = a.reduce((s, v, i) => s + v * b[i]!, 0);
  return dot / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
};

const Q = "what is the capital of france";
const D = "paris is the capital of france";

describe("rerank-kit serve score conventions", () => {
  it("ColBERT: default /score is the MaxSim of its own /pooling token_embed; --colbert-convention model is not", async () => {
    const [vllm, model] = await Promise.all([serve(["-m", models["colbert-pylate"]!]), serve(["-m", models["colbert-pylate"]!, "--colbert-convention", "model"])]);
    for (const [url, equal] of [[vllm, true], [model, false]] as const) {
      const score = (await post(`${url}/score`, { queries: Q, documents: D })).data[0].score as number;
      const q = (await post(`${url}/pooling`, { input: Q, task: "token_embed" })).data[0].data;
      const d = (await post(`${url}/pooling`, { input: D, task: "token_embed" })).data[0].data;
      if (equal) expect(score).toBeCloseTo(maxSim(q, d), 4);
      else expect(Math.abs(score - maxSim(q, d))).toBeGreaterThan(1e-3);
    }
  });

  it("bi-encoder: default /score is the cosine of its own /v1/embeddings; --score-prompts is not", async () => {
    const [vllm, prompts] = await Promise.all([serve(["-m", models["bi-encoder-mean"]!]), serve(["-m", models["bi-encoder-mean"]!, "--score-prompts"])]);
    for (const [url, equal] of [[vllm, true], [prompts, false]] as const) {
      const score = (await post(`${url}/score`, { queries: Q, documents: D })).data[0].score as number;
      const [q, d] = (await post(`${url}/v1/embeddings`, { input: [Q, D] })).data.map((x: { embedding: number[] }) => x.embedding);
      if (equal) expect(score).toBeCloseTo(cosine(q, d), 5);
      else expect(Math.abs(score - cosine(q, d))).toBeGreaterThan(1e-4);
    }
  });
});
