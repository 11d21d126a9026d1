/**
 * The encodings of pooling outputs: vLLM's binary answers (`encoding_format` bytes / bytes_only)
 * are `application/octet-stream` (its EmbeddingBytesResponse media_type), and `jsonValue` writes a
 * `[rows, dim]` matrix as its rows (the nested lists vLLM's float answer has for token_embed).
 * Byte layout, dtypes and the metadata header are checked in vllm-conformance/embed-online.
 */
import { describe, expect, it } from "vitest";
import { jsonValue, outputEncoding } from "../../src/server/routes/embed-output.js";
import { FakeBiEncoder } from "./fakes.js";
import { start } from "./helpers.js";

describe("binary embeddings", () => {
  it("bytes and bytes_only answer application/octet-stream", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder(), idleTimeoutMs: 120_000 });
    for (const encoding_format of ["bytes", "bytes_only"]) {
      const res = await fetch(`${url}/v1/embeddings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: ["red car", "blue sky"], encoding_format }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/octet-stream");
      // Two float32 vectors of the fake's 3 values.
      expect((await res.arrayBuffer()).byteLength).toBe(2 * 3 * 4);
    }
  });
});

describe("jsonValue", () => {
  it("writes a [rows, dim] output as its rows, in order", () => {
    const data = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const float = outputEncoding({});
    expect(jsonValue({ data, shape: [3, 2] }, float)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(jsonValue({ data, shape: [2, 3] }, float)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(jsonValue({ data, shape: [6] }, float)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
