import { describe, expect, it } from "vitest";
import { ModelLoadError } from "../../src/errors/model-load-error.js";
import { centerCrop, shortestEdgeSize } from "../../src/imaging/geometry.js";
import { toChannelFirst } from "../../src/imaging/normalize.js";
import { pixelValues } from "../../src/imaging/preprocess.js";
import { readImageProcessorConfig } from "../../src/imaging/processor-config.js";

describe("readImageProcessorConfig", () => {
  it("fills CLIP's class defaults and reads a legacy integer size as the shortest edge", () => {
    const spec = readImageProcessorConfig({ image_processor_type: "CLIPImageProcessor", size: 224, crop_size: 224 }, "p");
    expect(spec.resize).toEqual({ kind: "shortest-edge", edge: 224 });
    expect(spec.crop).toEqual({ height: 224, width: 224 });
    expect(spec.resample).toBe(3);
    expect(spec.mean).toEqual([0.48145466, 0.4578275, 0.40821073]);
    expect(spec.rescaleFactor).toBeCloseTo(1 / 255, 12);
  });

  it("SigLIP resizes to a fixed size and does not crop", () => {
    const spec = readImageProcessorConfig({ image_processor_type: "SiglipImageProcessorFast", resample: 2 }, "p");
    expect(spec.resize).toEqual({ kind: "fixed", height: 224, width: 224 });
    expect(spec.crop).toBeUndefined();
    expect(spec.mean).toEqual([0.5, 0.5, 0.5]);
    expect(spec.resample).toBe(2);
  });

  it("switches steps off with their do_* flags", () => {
    const spec = readImageProcessorConfig({ image_processor_type: "CLIPImageProcessor", do_rescale: false, do_normalize: false, do_center_crop: false, do_resize: false }, "p");
    expect([spec.resize, spec.crop, spec.rescaleFactor, spec.mean, spec.std]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it("refuses another processor, NEAREST and malformed values with a ModelLoadError naming the file", () => {
    expect(() => readImageProcessorConfig({ image_processor_type: "Siglip2ImageProcessor" }, "x/preprocessor_config.json")).toThrow(
      /x\/preprocessor_config.json: image_processor_type "Siglip2ImageProcessor" is not supported/,
    );
    expect(() => readImageProcessorConfig({ image_processor_type: "CLIPImageProcessor", resample: 0 }, "p")).toThrow(/NEAREST/);
    expect(() => readImageProcessorConfig({ image_processor_type: "CLIPImageProcessor", size: { shortest_edge: 0 } }, "p")).toThrow(ModelLoadError);
    expect(() => readImageProcessorConfig({ image_processor_type: "CLIPImageProcessor", image_mean: [1, 2] }, "p")).toThrow(/image_mean/);
    expect(() => readImageProcessorConfig([], "p")).toThrow(/JSON object/);
  });
});

describe("geometry", () => {
  it("shortest edge truncates the long side (transformers' int())", () => {
    expect(shortestEdgeSize(47, 61, 32)).toEqual([32, 41]); // 32 * 61 / 47 = 41.53
    expect(shortestEdgeSize(77, 24, 32)).toEqual([102, 32]); // 32 * 77 / 24 = 102.67
  });

  it("center crop floors the offset and pads a small image with zeros, extra row on top", () => {
    const image = { data: Uint8Array.from({ length: 3 * 3 }, (_, i) => i + 1), width: 3, height: 1 };
    const cropped = centerCrop(image, 2, 2);
    // width 3 -> 2: left offset floor(1/2) = 0; height 1 -> 2: ceil(1/2) = 1 zero row above.
    expect([...cropped.data]).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
  });
});

describe("toChannelFirst and pixelValues", () => {
  it("rescales in float64, then normalises in float32, channel-first", () => {
    const out = new Float32Array(3);
    toChannelFirst({ data: new Uint8Array([255, 0, 128]), width: 1, height: 1 }, { rescaleFactor: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }, out);
    expect([...out]).toEqual([1, -1, Math.fround(Math.fround(Math.fround(128 / 255) - 0.5) / 0.5)]);
  });

  it("refuses to stack images that the processor leaves at different sizes", () => {
    const spec = readImageProcessorConfig({ image_processor_type: "CLIPImageProcessor", size: 2, do_center_crop: false }, "p");
    const a = { data: new Uint8Array(2 * 2 * 3), width: 2, height: 2 };
    const b = { data: new Uint8Array(4 * 2 * 3), width: 4, height: 2 };
    expect(() => pixelValues([a, b], spec)).toThrow(/images\[1\] is 4x2 after preprocessing, images\[0\] is 2x2/);
    expect(pixelValues([a, a], spec).dims).toEqual([2, 3, 2, 2]);
  });
});
