/** The bench names the CPU and its vector extensions (bench/machine.ts): recorded ratios depend on them. */
import { describe, expect, it } from "vitest";
import { isaFlags, machineLine } from "../../bench/machine.js";

describe("isaFlags", () => {
  it("lists the vector extensions of the first flags line, in a fixed order", () => {
    const cpuinfo = "processor\t: 0\nmodel name\t: X\nflags\t\t: fpu amx_tile sse avx512f avx2 avx512_vnni amx_int8\nprocessor\t: 1\nflags\t\t: fpu\n";
    expect(isaFlags(cpuinfo)).toEqual(["avx2", "avx512f", "avx512_vnni", "amx_tile", "amx_int8"]);
  });

  it("does not take a longer flag for a shorter one", () => {
    expect(isaFlags("flags\t: avx512fp16 avx512_vnni_x avx2\n")).toEqual(["avx2"]);
  });

  it("returns nothing without a flags line", () => {
    expect(isaFlags("model name\t: X\n")).toEqual([]);
  });
});

describe("machineLine", () => {
  it("names the CPU model, the core count and the Node version", () => {
    const line = machineLine();
    expect(line).toMatch(/^CPU: .+ \(\d+ cores; .+\), \d+ GiB, Node v\d+/);
    expect(line).toContain(process.version);
  });
});
