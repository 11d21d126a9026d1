/**
 * quantizeModel's own read of the fp32 graph is bounded and names the file as the ONNX graph.
 * The real bound is 2 GiB - 1 (a protobuf's limit), so the bound is lowered here to one byte less
 * than the tiny cross-encoder's graph; the folder checks before it (a graph that is missing or
 * not a regular file) have their own tests in quantize-model.test.ts.
 */
import { mkdtempSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { ModelLoadError } from "../../src/index.js";
import { quantizeModel } from "../../src/local/quantize/quantize-model.js";

const CROSS = "test/golden/encoders/cross/bert";
const GRAPH = join(CROSS, "onnx", "model.onnx");
const limit = vi.hoisted(() => ({ bytes: 0 }));
vi.mock("../../src/local/files/bounded-read.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/local/files/bounded-read.js")>();
  return {
    ...actual,
    get MAX_ONNX_BYTES() {
      return limit.bytes;
    },
  };
});

const root = mkdtempSync(join(tmpdir(), "rk-quantize-size-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("quantizeModel reads the fp32 graph under the ONNX size bound", () => {
  it("a graph over the bound is a ModelLoadError naming the ONNX graph, its size and the bound, and writes nothing", async () => {
    const size = statSync(GRAPH).size;
    limit.bytes = size - 1;
    const out = join(root, "out");
    const error = await quantizeModel(CROSS, { out, skipParity: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toBe(`Cannot read the ONNX graph: ${resolve(GRAPH)} is ${size} bytes, more than the ${size - 1} bytes such a file can hold`);
    expect(existsSync(out)).toBe(false);
  });
});
