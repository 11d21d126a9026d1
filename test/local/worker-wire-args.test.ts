/**
 * What a call's arguments become on their way to a worker (worker-pool/wire-args.ts): typed arrays
 * copied and moved, never the caller's memory; URLs as images; shared objects still shared.
 */
import { describe, expect, it } from "vitest";
import { toWire } from "../../src/local/worker-pool/wire-args.js";

describe("toWire", () => {
  it("copies each typed array into a buffer of its own and lists it for transfer (a pooled Buffer never ships the pool)", () => {
    const pooled = Buffer.from("small image bytes");
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength); // Node's shared pool
    const pixels = { data: new Uint8ClampedArray([1, 2, 3]), width: 1, height: 1, channels: 3 };
    const { args, transfer } = toWire([[pooled, pixels], { signalFree: true }]);
    const [[bytes, px]] = args as [[Uint8Array, typeof pixels]];
    expect(bytes).not.toBe(pooled);
    expect(bytes.buffer.byteLength).toBe(pooled.byteLength);
    expect([...bytes]).toEqual([...pooled]);
    expect(px.data).toBeInstanceOf(Uint8ClampedArray);
    expect(px.data.buffer).not.toBe(pixels.data.buffer);
    expect(transfer).toEqual([bytes.buffer, px.data.buffer]);
  });

  it("sends a URL as an image: { image: href } when bare, the href inside { image }", () => {
    const url = new URL("file:///tmp/a.png");
    const { args } = toWire([[url, { image: url }, "file:///tmp/a.png"]]);
    expect(args[0]).toEqual([{ image: "file:///tmp/a.png" }, { image: "file:///tmp/a.png" }, "file:///tmp/a.png"]);
  });

  it("keeps an object used twice as one object, so the worker embeds a repeated image once", () => {
    const image = { image: new Uint8Array([9, 9]) };
    const { args, transfer } = toWire([[image, image], [image]]);
    const [first, second] = args as [unknown[], unknown[]];
    expect(first[0]).toBe(first[1]);
    expect(second[0]).toBe(first[0]);
    expect(transfer).toHaveLength(1);
  });
});
