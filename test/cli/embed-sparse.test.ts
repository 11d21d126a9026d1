import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const SPLADE = join(import.meta.dirname, "..", "golden", "sparse", "splade-max");
const STATIC = join(import.meta.dirname, "..", "golden", "sparse", "static-st");
interface Row {
  indices: number[];
  values: number[];
}
const golden = JSON.parse(readFileSync(join(SPLADE, "golden.json"), "utf8")) as { queries: string[]; query: Row[]; queryTop3: Row[] };

function expectClose(got: Row, want: Row): void {
  expect(got.indices).toEqual(want.indices);
  got.values.forEach((v, k) => expect(Math.abs(v - (want.values[k] as number))).toBeLessThan(1e-4));
}

describe("rerank-kit embed --sparse", () => {
  it("prints {index, indices, values} per line, equal to SparseEncoder.encode_query; --top-k prunes; a blank line gives null", async () => {
    const input = [golden.queries[0], golden.queries[1], "", golden.queries[2]].join("\n");
    const all = await runCli(["embed", "--sparse", "--kind", "query", "-m", SPLADE], input);
    expect(all.stderr).toBe("");
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split("\n").map((l) => JSON.parse(l) as Row & { index: number });
    expect(lines.map((l) => l.index)).toEqual([0, 1, 2, 3]);
    expectClose(lines[0]!, golden.query[0]!);
    expectClose(lines[1]!, golden.query[1]!);
    expect(lines[2]!.indices).toBeNull();
    expectClose(lines[3]!, golden.query[2]!);
    const top = await runCli(["embed", "--sparse", "--top-k", "3", "--kind", "query", "-m", SPLADE], golden.queries[0]);
    expectClose(JSON.parse(top.stdout.trim()) as Row, golden.queryTop3[0]!);
  }, 60_000);

  it("refuses --sparse for a model without sparse output, and --top-k without --sparse", async () => {
    const dense = await runCli(["embed", "--sparse", "-m", STATIC], "text");
    expect(dense.code).not.toBe(0);
    expect(dense.stderr).toMatch(/no sparse output/);
    const topK = await runCli(["embed", "--top-k", "3", "-m", STATIC], "text");
    expect(topK.code).not.toBe(0);
    expect(topK.stderr).toMatch(/--top-k needs --sparse/);
  }, 60_000);
});
