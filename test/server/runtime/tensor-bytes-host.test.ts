// `endianness: "native"` means the server host's byte order (vLLM compares with sys.byteorder).
// This file pretends to run on a big-endian host (s390x) so that "native" must write big-endian.
import { describe, expect, it, vi } from "vitest";

vi.mock("node:os", async (importOriginal) => ({ ...(await importOriginal<typeof import("node:os")>()), endianness: () => "BE" }));

const { tensorBytes } = await import("../../../src/server/runtime/tensor-bytes.js");

describe("tensorBytes on a big-endian host", () => {
  it("writes native order as big-endian", () => {
    const v = Float32Array.of(1, -2.5);
    expect(tensorBytes(v, "float32", "native")).toEqual(tensorBytes(v, "float32", "big"));
    expect(tensorBytes(v, "float16", "native").readUInt16BE(0)).toBe(0x3c00);
  });
});
