// Goldens: torch's own float32 -> dtype conversion and byte order (vLLM `tensor2binary`), made by
// goldens/make-tensor-bytes.py, on values that include halfway cases, subnormals and overflows.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EMBED_DTYPES, ENDIANNESS, tensorBase64 } from "../../../src/server/runtime/tensor-bytes.js";

const golden = JSON.parse(readFileSync(new URL("./goldens/tensor-bytes.json", import.meta.url), "utf8")) as {
  values: number[];
  base64: Record<string, string>;
};

describe("embed_dtype x endianness bytes (vllm/utils/serial_utils.py tensor2binary)", () => {
  const values = Float32Array.from(golden.values);
  for (const dtype of EMBED_DTYPES) {
    for (const order of ENDIANNESS) {
      it(`${dtype} ${order} matches torch byte for byte`, () => {
        expect(tensorBase64(values, dtype, order)).toBe(golden.base64[`${dtype}/${order}`]);
      });
    }
  }
});
