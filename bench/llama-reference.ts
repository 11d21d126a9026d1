/**
 * The fp32 reference the llama.cpp rows are judged against: transformers (torch, fp32) on the
 * model folder's model.safetensors, run by scripts/reference/qwen3_reranker_reference.py, once per
 * (query, document) for a given model file. Results are cached beside the model folder in
 * bench/.models (`<folder>.fp32-reference.json`, never committed, like the model): the 1 x 20
 * workload is the first 20 documents of the 1 x 100 one, so only new documents are computed.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EngineScores } from "./llama-verdict.js";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "..", "scripts", "reference", "qwen3_reranker_reference.py");

interface Cache {
  /** The weights the entries were computed from: a regenerated model drops them. */
  model: { size: number; mtimeMs: number };
  versions?: Record<string, string>;
  entries: Record<string, { logit: number; tokens: number }>;
}

const key = (query: string, document: string) => createHash("sha256").update(`${query}\0${document}`).digest("hex");

/** The reference for `documents`, or why it cannot be had (no weights, no Python, the script failed). */
export function fp32Reference(
  dir: string,
  query: string,
  documents: string[],
  threads: number,
): { scores: EngineScores; computed: number; seconds: number; versions?: Record<string, string> } | { reason: string } {
  const weights = join(dir, "model.safetensors");
  if (!existsSync(weights)) return { reason: `no ${weights} to compute the fp32 reference from` };
  const { size, mtimeMs } = statSync(weights);
  const file = `${dir.replace(/\/+$/, "")}.fp32-reference.json`;
  let cache: Cache = { model: { size, mtimeMs }, entries: {} };
  if (existsSync(file)) {
    const old = JSON.parse(readFileSync(file, "utf8")) as Cache;
    if (old.model.size === size && old.model.mtimeMs === mtimeMs) cache = old;
  }
  const todo = [...new Set(documents.filter((d) => !cache.entries[key(query, d)]))];
  let seconds = 0;
  if (todo.length > 0) {
    const python = process.env["RERANK_KIT_BENCH_PYTHON"] || "python3";
    const tmp = mkdtempSync(join(tmpdir(), "rk-llama-ref-"));
    try {
      writeFileSync(join(tmp, "in.json"), JSON.stringify({ query, documents: todo }));
      console.log(`  fp32 reference (transformers, torch fp32): ${todo.length} documents to compute, ${documents.length - todo.length} cached`);
      const run = spawnSync(python, [SCRIPT, dir, join(tmp, "in.json"), join(tmp, "out.json"), "--threads", String(threads)], {
        stdio: ["ignore", "inherit", "inherit"],
      });
      if (run.error) return { reason: `${python} could not run the fp32 reference: ${run.error.message}` };
      if (run.status !== 0) return { reason: `the fp32 reference (${SCRIPT}) exited with ${run.status}` };
      const out = JSON.parse(readFileSync(join(tmp, "out.json"), "utf8")) as { logits: number[]; tokens: number[]; versions: Record<string, string>; seconds: number };
      todo.forEach((d, i) => (cache.entries[key(query, d)] = { logit: out.logits[i] as number, tokens: out.tokens[i] as number }));
      cache.versions = out.versions;
      seconds = out.seconds;
      writeFileSync(file, JSON.stringify(cache));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const rows = documents.map((d) => cache.entries[key(query, d)] as { logit: number; tokens: number });
  return {
    scores: { logits: rows.map((r) => r.logit), tokens: rows.map((r) => r.tokens) },
    computed: todo.length,
    seconds,
    ...(cache.versions && { versions: cache.versions }),
  };
}
