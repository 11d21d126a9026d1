/**
 * Every example in examples/ runs to completion, as `npx tsx examples/<name>.ts <test models>`
 * runs it: offline on the generated test models, "rerank-kit" resolved to the source through
 * tsconfig.json's paths. Each has a time bound, and servers bind 127.0.0.1 on a free port.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels, DEFAULT_MODELS_ROOT } from "../fixtures/index.js";
import { BiEncoderScorer, CrossEncoderScorer } from "../../src/index.js";
import { createServer, type RerankServer } from "../../src/server/index.js";

const root = join(import.meta.dirname, "..", "..");
const TIME_LIMIT_MS = 150_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runExample(file: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join("examples", file), DEFAULT_MODELS_ROOT], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), TIME_LIMIT_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".ts")).sort();

describe("examples", () => {
  // remote-vllm.ts talks to any vLLM-compatible server: here, rerank-kit's own.
  let server: RerankServer;
  let url = "";

  beforeAll(async () => {
    const models = await ensureTestModels();
    server = createServer({
      scorer: await CrossEncoderScorer.fromPretrained(models["cross-encoder"] as string),
      embedder: await BiEncoderScorer.fromPretrained(models["bi-encoder-mean"] as string),
      closeScorer: true,
    });
    ({ url } = await server.listen({ host: "127.0.0.1", port: 0 }));
  });
  afterAll(async () => {
    await server?.close();
  });

  it("covers every file in examples/", () => {
    expect(examples).toEqual(["ai-sdk-local.ts", "demo.ts", "hybrid-local.ts", "llamaindex-local.ts", "mastra-local.ts", "rag-local.ts", "rag-remote.ts", "remote-vllm.ts", "serve.ts"]);
  });

  it.each(examples)("%s runs to completion", async (file) => {
    const run = await runExample(file, { VLLM_URL: url });
    expect({ code: run.code, signal: run.signal, stderr: run.code === 0 ? "" : run.stderr }).toEqual({ code: 0, signal: null, stderr: "" });
    expect(run.stdout.length).toBeGreaterThan(0);
  }, TIME_LIMIT_MS + 10_000);
});
