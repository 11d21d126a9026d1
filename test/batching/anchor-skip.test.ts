/** The bench's anchor rows are skipped with a reason when Python cannot run them (bench/anchor-python.ts). */
import { mkdtempSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { probePython } from "../../bench/anchor-python.js";

/** An executable stand-in for python3 that runs `body` as a shell script. */
function fakePython(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "rk-fake-python-"));
  const file = join(dir, "python3");
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe("probePython", () => {
  it("names a missing interpreter", () => {
    const probe = probePython("/nonexistent/python3");
    expect(probe).toEqual({ ok: false, reason: "/nonexistent/python3 not found" });
  });

  it("names the module Python cannot import", () => {
    const py = fakePython(`echo "ModuleNotFoundError: No module named 'sentence_transformers'" >&2; exit 1`);
    expect(probePython(py)).toEqual({ ok: false, reason: `${py} has no sentence_transformers module` });
  });

  it("reports another failure with its exit code and last line", () => {
    const py = fakePython(`echo "boom" >&2; exit 3`);
    expect(probePython(py)).toEqual({ ok: false, reason: `${py} exited with 3: boom` });
  });

  it("returns the versions when everything imports", () => {
    const py = fakePython(`echo '{"sentence_transformers": "6.0.1", "torch": "2.13.0"}'`);
    expect(probePython(py)).toEqual({ ok: true, command: py, versions: { sentence_transformers: "6.0.1", torch: "2.13.0" } });
  });
});
