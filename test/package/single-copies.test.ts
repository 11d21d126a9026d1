/**
 * Packages that keep module-level state (registries, constructor checks, native bindings) must be
 * installed once: two copies of `@llamaindex/env` made llamaindex print "llamaindex was already
 * imported. This breaks constructor checks" on every import. npm nested them because their
 * optional peer `@huggingface/transformers@^3.5.0` conflicts with the project's 4.x; package.json
 * `overrides` pins that peer to the installed version, which only holds while both say the same.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
  overrides: Record<string, unknown>;
};

/** Where the lockfile installs `name`: every `node_modules/<name>` path, nested ones included. */
const copiesOf = (name: string): string[] => Object.keys(lock.packages).filter((path) => path.endsWith(`node_modules/${name}`));

const SINGLE = ["@llamaindex/env", "@llamaindex/core", "llamaindex", "@langchain/core", "@mastra/core", "@huggingface/transformers", "onnxruntime-node"];

describe("the lockfile installs one copy of each stateful package", () => {
  it.each(SINGLE)("%s", (name) => {
    expect(copiesOf(name)).toEqual([`node_modules/${name}`]);
  });

  it("pins @llamaindex/env's transformers peer to the installed transformers", () => {
    expect(manifest.overrides["@llamaindex/env"]).toEqual({ "@huggingface/transformers": manifest.devDependencies["@huggingface/transformers"] });
  });
});
