/**
 * A bert-base-sized static table (30522 x 768 float32, 94 MB) loads with one copy in memory:
 * the whole process, Node and the TypeScript loader included, peaks under 200 MB.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";

const ROWS = 30522;
const DIM = 768;
const dir = mkdtempSync(join(tmpdir(), "rk-static-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeTable(path: string): void {
  const header = Buffer.from(JSON.stringify({ embeddings: { dtype: "F32", shape: [ROWS, DIM], data_offsets: [0, ROWS * DIM * 4] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  const fd = openSync(path, "w");
  writeSync(fd, length);
  writeSync(fd, header);
  // Written a thousand rows at a time, so this process never holds the table either.
  const chunk = new Float32Array(1000 * DIM);
  for (let r = 0; r < ROWS; r += 1000) {
    const n = Math.min(1000, ROWS - r) * DIM;
    for (let i = 0; i < n; i++) chunk[i] = Math.sin(r * DIM + i);
    writeSync(fd, new Uint8Array(chunk.buffer, 0, n * 4));
  }
  closeSync(fd);
}

it("loads a 30522 x 768 float32 model2vec table with a peak RSS under 200 MB", () => {
  writeTable(join(dir, "model.safetensors"));
  copyFileSync(join(import.meta.dirname, "..", "..", "golden", "sparse", "model2vec", "tokenizer.json"), join(dir, "tokenizer.json"));
  writeFileSync(join(dir, "config.json"), JSON.stringify({ model_type: "model2vec", normalize: true }));
  const child = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "memory-child.ts"), dir], { encoding: "utf8" });
  expect(child.stderr).toBe("");
  const peakMb = Number(child.stdout) / 2 ** 20;
  console.log(`static 30522 x 768 float32: peak RSS ${peakMb.toFixed(0)} MB`);
  expect(peakMb).toBeGreaterThan(94);
  expect(peakMb).toBeLessThan(200);
}, 60_000);
