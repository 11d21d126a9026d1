import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const REPORTER = fileURLToPath(new URL("./summary-reporter.ts", import.meta.url));
const VITEST = join(ROOT, "node_modules/vitest/vitest.mjs");

/** Runs vitest in a subprocess on the given files (globals on, so they import nothing). */
async function vitestOn(files: Record<string, string>): Promise<{ code: number; line: string }> {
  const dir = mkdtempSync(join(tmpdir(), "summary-reporter-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(
    join(dir, "vitest.config.mjs"),
    `export default { test: { globals: true, include: ["*.test.mjs"], reporters: [${JSON.stringify(REPORTER)}] } };\n`,
  );
  try {
    const { stdout } = await run(process.execPath, [VITEST, "run", "--root", dir, "--config", join(dir, "vitest.config.mjs")], { cwd: dir });
    return { code: 0, line: lastLine(stdout) };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, line: lastLine(e.stdout) };
  }
}

function lastLine(stdout: string): string {
  return stdout.trim().split("\n").at(-1) ?? "";
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const passing = `test("a", () => expect(1).toBe(1)); test("b", () => expect(2).toBe(2));\n`;

describe("summary reporter (vitest in a subprocess)", () => {
  it("counts passing tests and says 0 failed only when vitest passes", async () => {
    const r = await vitestOn({ "ok.test.mjs": passing });
    expect(r.code).toBe(0);
    expect(r.line).toBe("2 passed, 0 failed");
  });

  it("counts the tests of a suite whose beforeAll throws as failed", async () => {
    const r = await vitestOn({
      "ok.test.mjs": passing,
      "hook.test.mjs": `describe("s", () => { beforeAll(() => { throw new Error("boom"); }); test("x", () => {}); test("y", () => {}); });\n`,
    });
    expect(r.code).toBe(1);
    expect(r.line).toBe("2 passed, 3 failed (1 suite or file error)");
  });

  it("counts a file that fails to import", async () => {
    const r = await vitestOn({ "ok.test.mjs": passing, "broken.test.mjs": `import "./missing.mjs";\ntest("never", () => {});\n` });
    expect(r.code).toBe(1);
    expect(r.line).toMatch(/^2 passed, [1-9]\d* failed/);
  });

  it("counts a throwing afterAll although every test passed", async () => {
    const r = await vitestOn({ "after.test.mjs": `afterAll(() => { throw new Error("late"); }); test("z", () => {});\n` });
    expect(r.code).toBe(1);
    expect(r.line).toMatch(/^1 passed, [1-9]\d* failed/);
  });

  it("counts an ordinary failed test", async () => {
    const r = await vitestOn({ "bad.test.mjs": `test("w", () => expect(1).toBe(2)); test("v", () => {});\n` });
    expect(r.code).toBe(1);
    expect(r.line).toBe("1 passed, 1 failed");
  });
});
