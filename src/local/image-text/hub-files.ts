/**
 * Which files of a Hub repository a CLIP / SigLIP model needs, told from the repository's file
 * listing alone (before anything is downloaded), so loading by id fetches its processor and
 * tokenizer and only the graphs of the wanted dtype.
 * @module
 */
import { ModelLoadError } from "../../errors/model-load-error.js";

/** A sentence-transformers `clip-ViT-*` save keeps the model in its CLIPModel module's folder. */
const ST_CLIP_MODULE = /^(\d+_CLIPModel)\/preprocessor_config\.json$/;

/** Files of the model's folder an image-text scorer reads (besides the graphs). */
const MODEL_FILES = ["config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

/** Where the image-text model's own files sit in the listing: `""` (the root) or `0_CLIPModel/`. */
function modelPrefix(available: ReadonlySet<string>): string | undefined {
  if (available.has("preprocessor_config.json") && available.has("config.json")) return "";
  for (const path of available) {
    const m = ST_CLIP_MODULE.exec(path);
    if (m && available.has(`${m[1]}/config.json`) && available.has("modules.json")) return `${m[1]}/`;
  }
  return undefined;
}

/** Whether the listing holds ONNX graphs of any dtype where an image-text model keeps them. */
function hasGraphs(available: ReadonlySet<string>, onnxDirs: readonly string[]): boolean {
  return [...available].some((p) => onnxDirs.some((d) => p.startsWith(d) && /^(text_model|vision_model|model)\w*\.onnx$/.test(p.slice(d.length))));
}

/**
 * The files an image-text model needs from a repository listing, for the graph `onnxFile` names
 * (`onnx/model<suffix>.onnx`: the towers `onnx/text_model<suffix>.onnx` +
 * `onnx/vision_model<suffix>.onnx` are preferred, as the folder reader prefers them, else that one
 * graph), or undefined when the listing is not an image-text layout: no `preprocessor_config.json`
 * beside a `config.json` (at the root, or in a sentence-transformers CLIPModel module), or no
 * tower or one-graph export of any dtype.
 * @throws {ModelLoadError} when the listing is an image-text layout without graphs for the dtype.
 */
export function imageTextHubFiles(repoId: string, available: ReadonlySet<string>, onnxFile: string): string[] | undefined {
  const prefix = modelPrefix(available);
  const suffix = /^onnx\/model(\w*)\.onnx$/.exec(onnxFile)?.[1];
  if (prefix === undefined || suffix === undefined) return undefined;
  const onnxDirs = prefix === "" ? ["onnx/"] : ["onnx/", `${prefix}onnx/`];
  if (!hasGraphs(available, onnxDirs)) return undefined;
  let graphs: string[] | undefined;
  for (const d of onnxDirs) {
    const towers = [`${d}text_model${suffix}.onnx`, `${d}vision_model${suffix}.onnx`];
    if (towers.every((t) => available.has(t))) graphs = towers;
    else if (available.has(`${d}model${suffix}.onnx`)) graphs = [`${d}model${suffix}.onnx`];
    if (graphs) break;
  }
  if (!graphs) {
    const onnx = [...available].filter((p) => p.endsWith(".onnx"));
    throw new ModelLoadError(
      `Hugging Face model "${repoId}" has no ONNX towers for this dtype (looked for ${onnxDirs[0]}text_model${suffix}.onnx + ` +
        `${onnxDirs[0]}vision_model${suffix}.onnx, or ${onnxDirs[0]}model${suffix}.onnx; ONNX files: ${onnx.join(", ") || "none"}); pick another dtype`,
      { path: `${repoId}/${onnxDirs[0]}` },
    );
  }
  const data = [...available].filter((p) => graphs.some((g) => p.startsWith(`${g}_data`) || p.startsWith(`${g}.data`)));
  const own = MODEL_FILES.map((f) => `${prefix}${f}`).filter((f) => available.has(f));
  return [...own, ...(prefix === "" ? [] : ["modules.json"]), ...graphs, ...data];
}
