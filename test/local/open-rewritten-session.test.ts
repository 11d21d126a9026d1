/**
 * openRewrittenSession refuses a graph whose weights live in external data when no folder is
 * given to read them from, naming the model (or "rewritten model" when no source is given).
 */
import { describe, expect, it } from "vitest";
import { ModelLoadError } from "../../src/errors/model-load-error.js";
import { openRewrittenSession } from "../../src/local/runtime/open-rewritten-session.js";
import { bytes, concat, ElemType, encodeNode, encodeValueInfo, int } from "../../src/local/runtime/onnx-writer.js";

/** One float initializer stored externally (TensorProto.external_data = 13, data_location = 14). */
function externalModel(): Uint8Array {
  const entry = (k: string, v: string) => bytes(13, concat([bytes(1, k), bytes(2, v)]));
  const weight = concat([int(1, 1), int(2, ElemType.FLOAT), bytes(8, "w"), entry("location", "model.onnx_data"), entry("offset", "0"), entry("length", "4"), int(14, 1)]);
  const g = concat([
    bytes(1, encodeNode({ op: "Add", inputs: ["a", "w"], outputs: ["b"] }, 0)),
    bytes(2, "g"),
    bytes(5, weight),
    bytes(11, encodeValueInfo({ name: "a", elemType: ElemType.FLOAT, dims: [1] })),
    bytes(12, encodeValueInfo({ name: "b", elemType: ElemType.FLOAT, dims: [1] })),
  ]);
  return concat([int(1, 8), bytes(2, "test"), bytes(7, g), bytes(8, concat([bytes(1, ""), int(2, 17)]))]);
}

describe("openRewrittenSession", () => {
  it("refuses external data without externalDataDir, naming the source", async () => {
    const error = await openRewrittenSession(externalModel(), { source: "dir/model.onnx" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toBe("dir/model.onnx references external data; pass externalDataDir");
  });

  it("names it \"rewritten model\" when no source is given", async () => {
    const error = await openRewrittenSession(externalModel()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toBe("rewritten model references external data; pass externalDataDir");
  });
});
