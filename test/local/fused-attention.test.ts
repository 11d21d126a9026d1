/**
 * attentionKind / hasGroupQueryAttention: a GroupQueryAttention node is found in model bytes and
 * in a file (also when it straddles the 8 MiB read chunks the module documents), a graph without
 * one is "unfused", and the file is closed afterwards.
 */
import { mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { attentionKind, hasGroupQueryAttention } from "../../src/local/runtime/fused-attention.js";
import { writeOnnxModel, ElemType } from "../../src/local/runtime/onnx-writer.js";

const dir = mkdtempSync(join(realpathSync(tmpdir()), "fused-attention-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const io = {
  inputs: [{ name: "a", elemType: ElemType.FLOAT, dims: [1] }],
  outputs: [{ name: "b", elemType: ElemType.FLOAT, dims: [1] }],
  opset: 17,
};
// The op's name appears only as the graph's name: a mention, not a node.
const plain = writeOnnxModel({ name: "GroupQueryAttention", nodes: [{ op: "Identity", inputs: ["a"], outputs: ["b"] }], ...io });
const gqa = writeOnnxModel({ name: "g", nodes: [{ op: "GroupQueryAttention", inputs: ["a"], outputs: ["b"], domain: "com.microsoft" }], ...io });

const MiB8 = 8 << 20;
/** A GroupQueryAttention NodeProto's op_type field (field 4, length-delimited). */
const opType = Buffer.from([0x22, "GroupQueryAttention".length, ...Buffer.from("GroupQueryAttention", "latin1")]);

function file(name: string, content: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe("attentionKind", () => {
  it("tells a GroupQueryAttention node from a graph without one, in bytes", async () => {
    expect(hasGroupQueryAttention(gqa)).toBe(true);
    expect(hasGroupQueryAttention(plain)).toBe(false);
    expect(await attentionKind(gqa)).toBe("group-query");
    expect(await attentionKind(plain)).toBe("unfused");
  });

  it("tells them apart in files", async () => {
    expect(await attentionKind(file("gqa.onnx", gqa))).toBe("group-query");
    expect(await attentionKind(file("plain.onnx", plain))).toBe("unfused");
  });

  it("finds the op across the 8 MiB read boundary and not in a larger file without it", async () => {
    const big = new Uint8Array(MiB8 + 64);
    expect(await attentionKind(file("big-plain.bin", big))).toBe("unfused");
    for (const start of [MiB8 - 10, MiB8 - 1, MiB8 - opType.length + 1]) {
      const straddling = new Uint8Array(MiB8 + 64);
      straddling.set(opType, start);
      expect(await attentionKind(file(`big-${start}.bin`, straddling))).toBe("group-query");
    }
  });

  it("reads the file's chunks in order, each once", async () => {
    // The bytes before the 8 MiB boundary end with the op's first half and the file starts with
    // its second half: only a scan that read the first chunk again would join them.
    const content = new Uint8Array(MiB8 + 64);
    content.set(opType.subarray(10), 0);
    content.set(opType.subarray(0, 10), MiB8 - 10);
    expect(await attentionKind(file("halves.bin", content))).toBe("unfused");
  });

  it.runIf(process.platform === "linux")("closes the file it scanned", async () => {
    const path = file("closed.onnx", plain);
    // Descriptors this process holds on the scanned file.
    const open = () =>
      readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === path;
        } catch {
          return false;
        }
      }).length;
    for (let i = 0; i < 3; i++) await attentionKind(path);
    expect(open()).toBe(0);
  });
});
