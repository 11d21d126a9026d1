import { existsSync } from "node:fs";
import { join } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { readImageProcessorConfig, type ImageProcessorSpec } from "../../imaging/processor-config.js";
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
 * Tells from its files alone whether a folder holds a CLIP or SigLIP model: `config.json`'s
 * `model_type` (`clip`, `siglip`, `siglip2`) and a `preprocessor_config.json` next to it.
 */
export async function imageTextFamilyOf(dir: string): Promise<ImageTextFamily | undefined> {
  if (!existsSync(join(dir, "preprocessor_config.json")) || !existsSync(join(dir, "config.json"))) return undefined;
  const config = await readJson(dir, "config.json", true);
  return MODEL_TYPES[String(config["model_type"])];
}

/**
 * Reads an image-text model folder: its family, tokenizer, image processor and tower graphs
 * (`onnx/text_model.onnx` + `onnx/vision_model.onnx` preferred, else `onnx/model.onnx` with
 * `input_ids` and `pixel_values`), for the wanted dtype.
 * @throws {ModelLoadError} naming the folder and what is missing.
 */
export async function readImageTextLayout(dir: string, dtype: Dtype = "fp32"): Promise<ImageTextLayout> {
  const family = await imageTextFamilyOf(dir);
  if (family === undefined) {
    throw new ModelLoadError(`${dir}: not a CLIP or SigLIP folder (config.json model_type clip / siglip / siglip2 and a preprocessor_config.json)`, { path: dir });
  }
  const suffix = SUFFIX[dtype];
  if (suffix === undefined) throw new ModelLoadError(`Unknown dtype "${dtype}"`, { path: dtype });
  const text = join(dir, "onnx", `text_model${suffix}.onnx`);
  const vision = join(dir, "onnx", `vision_model${suffix}.onnx`);
  const joint = join(dir, "onnx", `model${suffix}.onnx`);
  let graphs: TowerGraphs;
  if (existsSync(text) && existsSync(vision)) graphs = { kind: "split", text, vision };
  else if (existsSync(joint)) graphs = { kind: "joint", model: joint };
  else {
    throw new ModelLoadError(
      `${dir}: no ONNX towers for dtype ${dtype} (looked for onnx/text_model${suffix}.onnx + onnx/vision_model${suffix}.onnx, or onnx/model${suffix}.onnx)`,
      { path: join(dir, "onnx") },
    );
  }
  const [config, tokenizerJson, tokenizerConfig, preprocessor] = await Promise.all([
    readJson(dir, "config.json", true),
    readJson(dir, "tokenizer.json", true),
    readJson(dir, "tokenizer_config.json", true),
    readJson(dir, "preprocessor_config.json", true),
  ]);
  const safetensors = join(dir, "model.safetensors");
  return {
    dir,
    family,
    config,
    tokenizerJson,
    tokenizerConfig,
    processor: readImageProcessorConfig(preprocessor, join(dir, "preprocessor_config.json")),
    graphs,
    safetensors: existsSync(safetensors) ? safetensors : undefined,
  };
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
