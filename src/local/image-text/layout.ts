import { existsSync } from "node:fs";
import { join } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { readImageProcessorConfig, type ImageProcessorSpec } from "../../imaging/processor-config.js";
import { readJsonFileSync } from "../files/bounded-read.js";
import { readJson, type Json } from "../files/model-files.js";
import type { Dtype } from "../options.js";

/** The image-text families rerank-kit runs: how text is padded and what the tower outputs are called. */
export type ImageTextFamily = "clip" | "siglip";

/** Where the two towers live: two graphs (Xenova / onnx-community), or one taking both inputs. */
export type TowerGraphs = { kind: "split"; text: string; vision: string } | { kind: "joint"; model: string };

/** Everything an image-text model reads from its folder, parsed once. */
export interface ImageTextLayout {
  dir: string;
  family: ImageTextFamily;
  config: Json;
  tokenizerJson: Json;
  tokenizerConfig: Json;
  processor: ImageProcessorSpec;
  graphs: TowerGraphs;
  /** `model.safetensors`, when present: the learned logit scale (and SigLIP's bias) are read from it. */
  safetensors: string | undefined;
}

const SUFFIX: Record<Dtype, string> = { fp32: "", fp16: "_fp16", q8: "_quantized", int8: "_int8", uint8: "_uint8", q4: "_q4", q4f16: "_q4f16", bnb4: "_bnb4" };

const MODEL_TYPES: Record<string, ImageTextFamily> = { clip: "clip", siglip: "siglip", siglip2: "siglip" };

/**
 * The folder holding the model's own files: the root, or the module folder of a
 * sentence-transformers `clip-ViT-*` save (`modules.json` with one `CLIPModel` module, e.g.
 * `0_CLIPModel/`, and no `config.json` at the root).
 */
export function imageTextModelDir(dir: string): string {
  if (existsSync(join(dir, "config.json")) || !existsSync(join(dir, "modules.json"))) return dir;
  let modules: unknown;
  try {
    modules = readJsonFileSync(join(dir, "modules.json"), "modules.json");
  } catch {
    // Not readable as a module list: the root's own files decide (and the loaders name what is missing).
    return dir;
  }
  const module = Array.isArray(modules) && modules.length === 1 ? (modules[0] as { type?: unknown; path?: unknown }) : undefined;
  const path = module?.path;
  // The module's folder must be a plain child of the model folder, never a way out of it.
  if (typeof module?.type !== "string" || !module.type.endsWith("CLIPModel") || typeof path !== "string" || !/^[\w-][\w.-]*$/.test(path) || path.includes("..")) {
    return dir;
  }
  return join(dir, path);
}

/**
 * Tells from its files alone whether a folder holds a CLIP or SigLIP model: `config.json`'s
 * `model_type` (`clip`, `siglip`, `siglip2`) and a `preprocessor_config.json` next to it (at the
 * root, or in a sentence-transformers CLIPModel module's folder).
 */
export async function imageTextFamilyOf(dir: string): Promise<ImageTextFamily | undefined> {
  const own = imageTextModelDir(dir);
  if (!existsSync(join(own, "preprocessor_config.json")) || !existsSync(join(own, "config.json"))) return undefined;
  const config = await readJson(own, "config.json", true);
  return MODEL_TYPES[String(config["model_type"])];
}

/**
 * Reads an image-text model folder: its family, tokenizer, image processor and tower graphs
 * (`onnx/text_model.onnx` + `onnx/vision_model.onnx` preferred, else `onnx/model.onnx` with
 * `input_ids` and `pixel_values`), for the wanted dtype. In a sentence-transformers `clip-ViT-*`
 * save the model's files are read from its CLIPModel module folder, and the graphs from the root's
 * `onnx/` or that folder's.
 * @throws {ModelLoadError} naming the folder and what is missing.
 */
export async function readImageTextLayout(dir: string, dtype: Dtype = "fp32"): Promise<ImageTextLayout> {
  const family = await imageTextFamilyOf(dir);
  if (family === undefined) {
    throw new ModelLoadError(`${dir}: not a CLIP or SigLIP folder (config.json model_type clip / siglip / siglip2 and a preprocessor_config.json)`, { path: dir });
  }
  const suffix = SUFFIX[dtype];
  if (suffix === undefined) throw new ModelLoadError(`Unknown dtype "${dtype}"`, { path: dtype });
  const own = imageTextModelDir(dir);
  const graphs = findGraphs(own === dir ? [dir] : [dir, own], suffix);
  if (graphs === undefined) {
    throw new ModelLoadError(
      `${dir}: no ONNX towers for dtype ${dtype} (looked for onnx/text_model${suffix}.onnx + onnx/vision_model${suffix}.onnx, or onnx/model${suffix}.onnx)`,
      { path: join(dir, "onnx") },
    );
  }
  const [config, tokenizerJson, tokenizerConfig, preprocessor] = await Promise.all([
    readJson(own, "config.json", true),
    readJson(own, "tokenizer.json", true),
    readJson(own, "tokenizer_config.json", true),
    readJson(own, "preprocessor_config.json", true),
  ]);
  const safetensors = join(own, "model.safetensors");
  return {
    dir: own,
    family,
    config,
    tokenizerJson,
    tokenizerConfig,
    processor: readImageProcessorConfig(preprocessor, join(own, "preprocessor_config.json")),
    graphs,
    safetensors: existsSync(safetensors) ? safetensors : undefined,
  };
}

/** The first folder's towers (split preferred) or one graph, for a dtype suffix. */
function findGraphs(folders: readonly string[], suffix: string): TowerGraphs | undefined {
  for (const folder of folders) {
    const text = join(folder, "onnx", `text_model${suffix}.onnx`);
    const vision = join(folder, "onnx", `vision_model${suffix}.onnx`);
    const joint = join(folder, "onnx", `model${suffix}.onnx`);
    if (existsSync(text) && existsSync(vision)) return { kind: "split", text, vision };
    if (existsSync(joint)) return { kind: "joint", model: joint };
  }
  return undefined;
}

/**
 * The text window: the tokenizer's `model_max_length` when it is a real limit, else the text
 * tower's `max_position_embeddings` (77 for CLIP, 64 for SigLIP).
 */
export function textWindow(layout: ImageTextLayout): number {
  const textConfig = (layout.config["text_config"] ?? {}) as Json;
  const positions = typeof textConfig["max_position_embeddings"] === "number" ? (textConfig["max_position_embeddings"] as number) : layout.family === "clip" ? 77 : 64;
  const declared = layout.tokenizerConfig["model_max_length"];
  return typeof declared === "number" && declared > 0 && declared <= positions ? declared : positions;
}

/**
 * Positions the vision tower encodes per image, as vLLM's `VisionEncoderInfo.get_num_image_tokens`
 * counts them: `(image_size / patch_size)^2` patches from `config.json`'s `vision_config`
 * (transformers' defaults for a key left out: 224 and 32 for CLIP, 224 and 16 for SigLIP), plus
 * CLIP's class position. The processor resizes every image to the tower's size, so this is the
 * count for any image. NaN for a size or patch that is not a positive integer (then nothing is
 * reported).
 */
export function visionPositions(layout: ImageTextLayout): number {
  const vision = (layout.config["vision_config"] ?? {}) as Json;
  const size = vision["image_size"] ?? 224;
  const patch = vision["patch_size"] ?? (layout.family === "clip" ? 32 : 16);
  if (![size, patch].every((n) => typeof n === "number" && Number.isInteger(n) && n > 0)) return Number.NaN;
  const grid = Math.floor((size as number) / (patch as number));
  return grid * grid + (layout.family === "clip" ? 1 : 0);
}
