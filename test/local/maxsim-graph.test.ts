import { describe, expect, it } from "vitest";
import { MaxSimGraph } from "../../src/local/late-interaction/maxsim-graph.js";
import { refMaxSim } from "../reference/index.js";

/** Deterministic pseudo-random rows in [-1, 1). */
function rows(count: number, dim: number, seed: number): number[][] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return Array.from({ length: count }, () => Array.from({ length: dim }, next));
}
const pack = (r: number[][], dim: number) => ({ data: Float32Array.from(r.flat()), tokens: r.length, dim });

describe("MaxSimGraph (ONNX Runtime)", () => {
  it("matches hand-computed MaxSim for documents of different lengths, padding excluded", async () => {
    const dim = 8;
    const query = rows(5, dim, 1);
    const docs = [rows(3, dim, 2), rows(9, dim, 3), rows(1, dim, 4)];
    const graph = await MaxSimGraph.create(1);
    const got = await graph.scores(pack(query, dim), docs.map((d) => pack(d, dim)));
    const expected = docs.map((d) => refMaxSim(query, d));
    got.forEach((g, i) => expect(Math.abs(g - (expected[i] as number))).toBeLessThanOrEqual(1e-5));
    // With all similarities negative, a zero padding row would win the max if it were not masked.
    const negative = rows(2, dim, 5).map((r) => r.map((x) => -Math.abs(x) - 0.1));
    const positive = rows(2, dim, 6).map((r) => r.map((x) => Math.abs(x) + 0.1));
    const [masked] = await graph.scores(pack(positive, dim), [pack(negative, dim), pack(rows(6, dim, 7), dim)]);
    expect(Math.abs((masked as number) - refMaxSim(positive, negative))).toBeLessThanOrEqual(1e-5);
    expect(masked as number).toBeLessThan(0);
    await graph.release();
  });
});
