// `rerank-kit serve` runs its model in worker threads: bge-m3's per-token lexical weights
// (`--pooler-config '{"task": "token_classify"}'`) and the sparse vectors of `/embed_sparse` must
// cross that boundary, compared here with the goldens of the same tiny weights.
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawnCli } from "./run-cli.js";

const M3 = join(import.meta.dirname, "..", "golden", "sparse", "bge-m3");
const golden = JSON.parse(readFileSync(join(M3, "golden.json"), "utf8")) as {
  queries: string[];
  query: { sparse: { indices: number[]; values: number[] }[]; ids: number[][] };
};
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field
async function post(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return res.json();
}

describe("serve bge-m3 in a worker", () => {
  it("answers token_classify and /embed_sparse with the lexical weights of the golden", async () => {
    const url = await serve(["--model", M3, "--pooler-config", '{"task": "token_classify"}']);
    const texts = golden.queries;
    const pooled = await post(`${url}/pooling`, { input: texts, task: "token_classify" });
    const sparse = await post(`${url}/embed_sparse`, { inputs: texts });
    let err = 0;
    texts.forEach((_, i) => {
      const want = golden.query.sparse[i]!;
      const ids = golden.query.ids[i]!;
      const best = new Map<number, number>();
      // FlagEmbedding drops <unk> (3) as well as the two specials vLLM leaves out.
      ids.slice(1, -1).forEach((id, t) => id !== 3 && best.set(id, Math.max(best.get(id) ?? 0, pooled.data[i].data[t])));
      want.indices.forEach((id, k) => {
        err = Math.max(err, Math.abs(best.get(id)! - want.values[k]!));
        const entry = (sparse[i] as { index: number; value: number }[]).find((e) => e.index === id);
        err = Math.max(err, Math.abs(entry!.value - want.values[k]!));
      });
      expect(sparse[i].length).toBe(want.indices.length);
    });
    expect(err).toBeLessThan(1e-4);
  }, 60_000);
});
