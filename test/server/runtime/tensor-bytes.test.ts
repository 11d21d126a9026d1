// vLLM's binary / base64 embedding bytes (`tensor2binary`: torch's `.to(dtype)` then an optional
// byte swap), on values the goldens do not reach: a round-half-to-even tie on an even nonzero
// mantissa, bfloat16 infinities, and e4m3fn's top binade (256..480), where only the 0x7F code is NaN.
// Expected codes were read off torch 2.13 (CPU) and the IEEE / OCP FP8 layouts, not this code.
import { describe, expect, it } from "vitest";
import { tensorBytes } from "../../../src/server/runtime/tensor-bytes.js";

const codes16 = (b: Buffer): number[] => Array.from({ length: b.length / 2 }, (_, i) => b.readUInt16BE(i * 2));

describe("tensorBytes minifloat rounding", () => {
  it("rounds a float16 mantissa tie to the even code, also when the lower code is even and nonzero", () => {
    // 1 + 5 * 2^-11 lies halfway between mantissa codes 2 and 3: even is 2 (0x3C02);
    // 1 + 7 * 2^-11 lies between 3 and 4: even is 4 (0x3C04).
    expect(codes16(tensorBytes(Float32Array.of(1 + 5 * 2 ** -11, 1 + 7 * 2 ** -11), "float16", "big"))).toEqual([0x3c02, 0x3c04]);
  });

  it("writes bfloat16 infinities as the all-ones exponent with a zero mantissa", () => {
    // bfloat16 is float32's top half: +Inf 0x7F80, -Inf 0xFF80 (not a NaN code).
    expect(codes16(tensorBytes(Float32Array.of(Infinity, -Infinity, 1), "bfloat16", "big"))).toEqual([0x7f80, 0xff80, 0x3f80]);
  });

  it("keeps e4m3fn's top binade finite: 256 and 320 exact, 470 saturated to 448 rather than the NaN code", () => {
    // exponent field 15 holds 256..448; 470 rounds to mantissa 7 (0x7F, NaN), which torch saturates to 448 (0x7E).
    expect(Array.from(tensorBytes(Float32Array.of(256, 320, 470, -470), "fp8_e4m3", "little"))).toEqual([0x78, 0x7a, 0x7e, 0xfe]);
  });
});
