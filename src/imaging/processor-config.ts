import { ModelLoadError } from "../errors/model-load-error.js";
import type { ResampleFilter } from "./resample.js";

/** How an image becomes `pixel_values`: the steps of transformers' CLIP / SigLIP image processors. */
export interface ImageProcessorSpec {
  /** `shortest-edge`: the short side becomes `edge` (aspect kept); `fixed`: exactly `height` x `width`. */
  resize: { kind: "shortest-edge"; edge: number } | { kind: "fixed"; height: number; width: number } | undefined;
  resample: ResampleFilter;
  crop: { height: number; width: number } | undefined;
  rescaleFactor: number | undefined;
  mean: [number, number, number] | undefined;
  std: [number, number, number] | undefined;
}

const OPENAI_CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const OPENAI_CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];
const STANDARD: [number, number, number] = [0.5, 0.5, 0.5];

/** Class defaults of the processors rerank-kit reproduces, used where the file leaves a key out. */
const DEFAULTS = {
  CLIPImageProcessor: { size: { shortest_edge: 224 }, crop_size: { height: 224, width: 224 }, do_center_crop: true, mean: OPENAI_CLIP_MEAN, std: OPENAI_CLIP_STD },
  SiglipImageProcessor: { size: { height: 224, width: 224 }, crop_size: undefined, do_center_crop: false, mean: STANDARD, std: STANDARD },
} as const;

type Kind = keyof typeof DEFAULTS;

function kindOf(type: unknown): Kind | undefined {
  if (typeof type !== "string") return undefined;
  const base = type.replace(/(Fast|Pil)$/, "");
  return base === "CLIPImageProcessor" || base === "SiglipImageProcessor" ? base : undefined;
}

/**
 * Reads a `preprocessor_config.json` of a CLIP or SigLIP image processor (`CLIPImageProcessor`,
 * `SiglipImageProcessor`, their `Fast` / `Pil` names) into the steps to run, with the class
 * defaults for missing keys. A legacy integer `size` means the shortest edge (both classes
 * resize with `default_to_square=False`); an integer `crop_size` is square.
 * @param source named in errors
 * @throws {ModelLoadError} for another processor type (SigLIP2's NaFlex patches among them) or a
 *   value that is not what the key takes.
 */
export function readImageProcessorConfig(json: unknown, source: string): ImageProcessorSpec {
  const fail = (what: string): never => {
    throw new ModelLoadError(`${source}: ${what}`, { path: source });
  };
  if (typeof json !== "object" || json === null || Array.isArray(json)) return fail("expected a JSON object.");
  const cfg = json as Record<string, unknown>;
  const kind = kindOf(cfg.image_processor_type) ?? (cfg.image_processor_type === undefined && cfg.feature_extractor_type === "CLIPFeatureExtractor" ? "CLIPImageProcessor" : undefined);
  if (kind === undefined) {
    return fail(
      `image_processor_type ${JSON.stringify(cfg.image_processor_type)} is not supported ` +
        "(CLIPImageProcessor or SiglipImageProcessor; SigLIP2's NaFlex processor is not).",
    );
  }
  const defaults = DEFAULTS[kind];
  const flag = (key: string, fallback: boolean): boolean => {
    const v = cfg[key];
    if (v === undefined || v === null) return fallback;
    return typeof v === "boolean" ? v : fail(`${key} must be a boolean, got ${JSON.stringify(v)}.`);
  };
  const positive = (v: unknown, key: string): number =>
    typeof v === "number" && Number.isInteger(v) && v > 0 ? v : fail(`${key} must be a positive integer, got ${JSON.stringify(v)}.`);
  const triple = (v: unknown, key: string, fallback: [number, number, number]): [number, number, number] => {
    if (v === undefined || v === null) return fallback;
    if (typeof v === "number" && Number.isFinite(v)) return [v, v, v];
    if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === "number" && Number.isFinite(x))) return [v[0], v[1], v[2]];
    return fail(`${key} must be a number or three numbers, got ${JSON.stringify(v)}.`);
  };

  let resize: ImageProcessorSpec["resize"];
  if (flag("do_resize", true)) {
    const size = cfg.size ?? defaults.size;
    if (typeof size === "number") resize = { kind: "shortest-edge", edge: positive(size, "size") };
    else if (typeof size === "object" && size !== null && "shortest_edge" in size) {
      if ("longest_edge" in size && size.longest_edge != null) fail("size.longest_edge is not supported.");
      resize = { kind: "shortest-edge", edge: positive(size.shortest_edge, "size.shortest_edge") };
    } else if (typeof size === "object" && size !== null && "height" in size && "width" in size) {
      resize = { kind: "fixed", height: positive(size.height, "size.height"), width: positive(size.width, "size.width") };
    } else fail(`size must be {"shortest_edge": n}, {"height": h, "width": w} or a number, got ${JSON.stringify(size)}.`);
  }

  let crop: ImageProcessorSpec["crop"];
  if (flag("do_center_crop", defaults.do_center_crop)) {
    const c = cfg.crop_size ?? defaults.crop_size;
    if (typeof c === "number") crop = { height: positive(c, "crop_size"), width: c };
    else if (typeof c === "object" && c !== null && "height" in c && "width" in c) {
      crop = { height: positive(c.height, "crop_size.height"), width: positive(c.width, "crop_size.width") };
    } else fail(`crop_size must be {"height": h, "width": w} or a number, got ${JSON.stringify(c)}.`);
  }

  const resample = cfg.resample ?? 3;
  if (resample === 0) fail("resample 0 (NEAREST) is not supported.");
  if (![1, 2, 3, 4, 5].includes(resample as number)) fail(`resample must be 1-5 (PIL's filters), got ${JSON.stringify(resample)}.`);

  let rescaleFactor: number | undefined;
  if (flag("do_rescale", true)) {
    const r = cfg.rescale_factor ?? 1 / 255;
    rescaleFactor = typeof r === "number" && Number.isFinite(r) ? r : fail(`rescale_factor must be a number, got ${JSON.stringify(r)}.`);
  }
  const normalize = flag("do_normalize", true);
  return {
    resize,
    resample: resample as ResampleFilter,
    crop,
    rescaleFactor,
    mean: normalize ? triple(cfg.image_mean, "image_mean", defaults.mean) : undefined,
    std: normalize ? triple(cfg.image_std, "image_std", defaults.std) : undefined,
  };
}
