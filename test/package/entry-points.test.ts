/**
 * The names each package entry point exports, types included, against the committed list in
 * entry-points.json. Every exported name is API that cannot change without a major version, so
 * adding or removing one must be a deliberate edit of that file in the same commit.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

/** The source file behind each `package.json` export (tsup.config.ts builds one from the other). */
const SOURCES: Record<string, string> = {
  ".": "src/index.ts",
  "./remote": "src/remote/index.ts",
  "./server": "src/server/index.ts",
  "./langchain": "adapters/langchain/index.ts",
  "./ai-sdk": "adapters/ai-sdk/index.ts",
  "./ai-sdk/v4": "adapters/ai-sdk/v4/index.ts",
  "./llamaindex": "adapters/llamaindex/index.ts",
  "./mastra": "adapters/mastra/index.ts",
};

function exportedNames(): Record<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  });
  if (!config) throw new Error("tsconfig.json could not be read");
  const files = Object.values(SOURCES).map((f) => join(root, f));
  const program = ts.createProgram(files, { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const names: Record<string, string[]> = {};
  for (const [entry, file] of Object.entries(SOURCES)) {
    const source = program.getSourceFile(join(root, file));
    const symbol = source && checker.getSymbolAtLocation(source);
    if (!symbol) throw new Error(`${file} is not a module`);
    names[entry] = checker.getExportsOfModule(symbol).map((s) => s.name).sort();
  }
  return names;
}

describe("package entry points", () => {
  it("maps every package.json export to its source", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    const exported = Object.keys(pkg.exports).filter((k) => k !== "./package.json").sort();
    expect(exported).toEqual(Object.keys(SOURCES).sort());
  });

  it("export exactly the names in test/package/entry-points.json (edit it to add or remove API)", () => {
    const expected = JSON.parse(readFileSync(join(import.meta.dirname, "entry-points.json"), "utf8")) as Record<string, string[]>;
    expect(exportedNames()).toEqual(expected);
  }, 120_000);
});
