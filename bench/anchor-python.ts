/**
 * Finds the Python that can run the bench's sentence-transformers anchor, or says why not, so
 * `npm run bench` can print the reason its anchor rows were skipped.
 */
import { spawnSync } from "node:child_process";

/** The outcome of {@link probePython}. */
export type PythonProbe =
  | { ok: true; command: string; versions: Record<string, string> }
  | { ok: false; reason: string };

const PROBE = [
  "import json, importlib",
  "v = {}",
  "for m in ('sentence_transformers', 'torch', 'transformers', 'onnx', 'onnxruntime'):",
  "    v[m] = importlib.import_module(m).__version__",
  "print(json.dumps(v))",
].join("\n");

/**
 * Checks that `command` (default `$RERANK_KIT_BENCH_PYTHON` or `python3`) runs and imports what
 * the anchor needs: sentence-transformers and torch to run it, transformers, onnx and
 * onnxruntime to generate its models (scripts/reference/bench_models.py).
 */
export function probePython(command = process.env["RERANK_KIT_BENCH_PYTHON"] || "python3", timeoutMs = 120_000): PythonProbe {
  const run = spawnSync(command, ["-c", PROBE], { encoding: "utf8", timeout: timeoutMs });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === "ENOENT" ? `${command} not found` : `${command} failed to start: ${run.error.message}` };
  }
  if (run.status !== 0) {
    const missing = /No module named '([^']+)'/.exec(run.stderr ?? "");
    const last = (run.stderr ?? "").trim().split("\n").pop() ?? "";
    return { ok: false, reason: missing ? `${command} has no ${missing[1]} module` : `${command} exited with ${run.status}: ${last}` };
  }
  try {
    return { ok: true, command, versions: JSON.parse(run.stdout.trim().split("\n").pop() ?? "") as Record<string, string> };
  } catch {
    return { ok: false, reason: `${command} printed no version list: ${run.stdout.slice(0, 200)}` };
  }
}
