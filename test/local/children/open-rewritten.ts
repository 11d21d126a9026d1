/**
 * Child process for external-data.test.ts: rewrites the LM head of the graph in a folder and
 * opens a session on it, then prints `ok` or the error's name and message. Run in a child so a
 * read that blocks (a FIFO) or a user without write access can be tested.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openRewrittenSession, rewriteLmHeadToScore } from "../../../src/local/runtime/lm-head-rewrite.js";

const dir = process.argv[2] as string;
const [yes, no] = JSON.parse(process.argv[3] as string) as [number, number];
try {
  const bytes = rewriteLmHeadToScore(new Uint8Array(readFileSync(join(dir, "model.onnx"))), { rows: [{ tokenId: yes, coefficient: 1 }, { tokenId: no, coefficient: -1 }] }, { externalDataDir: dir, source: "model.onnx" });
  const session = await openRewrittenSession(bytes, { threads: 1, externalDataDir: dir, source: "model.onnx", config: JSON.parse(readFileSync(join(dir, "..", "config.json"), "utf8")) as Record<string, unknown> });
  await session.release();
  process.stdout.write("ok");
} catch (error) {
  process.stdout.write(`${(error as Error).name}: ${(error as Error).message}`);
}
