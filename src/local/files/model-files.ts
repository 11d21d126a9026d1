import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { MAX_JSON_BYTES, readRegularFile } from "./bounded-read.js";
import type { Dtype, LocalModelOptions } from "../options.js";
import { downloadModel, looksLikeRepoId } from "./hub.js";
import { mergedDecoderFallback } from "./onnx-choice.js";

/** JSON object read from a model file. */
export type Json = Record<string, unknown>;

/** A module entry of sentence-transformers' `modules.json`. */
export interface StModule {
  idx?: number;
  name?: string;
  path: string;
  type: string;
}

/** Everything a local scorer reads from a model folder, parsed once. */
export interface ModelFiles {
  /** The id or path the user passed. */
  id: string;
  /** Absolute folder the files were read from. */
  dir: string;
  /** `config.json` */
  config: Json;
  /** `tokenizer.json` */
  tokenizerJson: Json;
  /** `tokenizer_config.json` */
  tokenizerConfig: Json;
  /** `modules.json`, if present. */
  modules?: StModule[] | undefined;
  /** `config_sentence_transformers.json`, if present. */
  stConfig?: Json | undefined;
  /** `sentence_bert_config.json`, if present. */
  sbertConfig?: Json | undefined;
  /** `artifact.metadata` (stanford ColBERT), if present. */
  colbertMetadata?: Json | undefined;
  /** Absolute path of the ONNX weights to load. */
  onnxPath: string;
  /**
   * Folder the `modules.json` paths resolve in, when the sentence-transformers files come from
   * elsewhere (a mirror's upstream repo). @default dir
   */
  stDir?: string | undefined;
}

const DTYPE_SUFFIX: Record<Dtype, string> = {
  fp32: "",
  fp16: "_fp16",
  q8: "_quantized",
  int8: "_int8",
  uint8: "_uint8",
  q4: "_q4",
  q4f16: "_q4f16",
  bnb4: "_bnb4",
};

/** The ONNX file for a dtype, relative to the model folder. */
export function onnxFileFor(dtype: Dtype = "fp32", override?: string): string {
  if (override) return override;
  const suffix = DTYPE_SUFFIX[dtype];
  if (suffix === undefined) throw new ModelLoadError(`Unknown dtype "${dtype}"`, { path: dtype });
  return `onnx/model${suffix}.onnx`;
}

/**
 * Resolves a model id or folder to parsed model files: a folder is read as is; anything else that
 * looks like a Hub id is downloaded (or found in the cache).
 *
 * @throws {ModelLoadError} naming the path and what is missing or unreadable.
 */
export async function loadModelFiles(idOrPath: string, options: LocalModelOptions = {}): Promise<ModelFiles> {
  const dir = await resolveModelFolder(idOrPath, options);
  return readModelFolder(idOrPath, dir, onnxFileFor(options.dtype, options.onnxFile));
}

/**
 * The folder a model id or path stands for: a folder as is; a Hub id downloaded (or found in the
 * cache) with the files its layout needs (image-text towers, sparse and static layouts), as
 * {@link downloadModel} picks them.
 * @throws {ModelLoadError} naming the path, or the Hub error.
 */
export async function resolveModelFolder(idOrPath: string, options: LocalModelOptions = {}): Promise<string> {
  if (typeof idOrPath !== "string" || idOrPath.length === 0) {
    throw new ModelLoadError(`A model id or folder is required, got ${JSON.stringify(idOrPath)}`, {
      path: String(idOrPath),
    });
  }
  const onnxFile = onnxFileFor(options.dtype, options.onnxFile);
  if (existsSync(idOrPath)) {
    const dir = resolve(idOrPath);
    if (!statSync(dir).isDirectory()) {
      throw new ModelLoadError(`${dir} is a file; expected a model folder`, { path: dir });
    }
    return dir;
  }
  if (hubPageId(idOrPath)) {
    const id = hubPageId(idOrPath) as string;
    throw new ModelLoadError(`${idOrPath} is the model's Hugging Face page; pass its id "${id}"`, { path: idOrPath });
  }
  if (isAbsolute(idOrPath) || idOrPath.startsWith(".") || !looksLikeRepoId(idOrPath)) {
    throw new ModelLoadError(`Model folder not found: ${resolve(idOrPath)}`, { path: resolve(idOrPath) });
  }
  try {
    return await downloadModel(idOrPath, onnxFile, options);
  } catch (error) {
    // A mistyped folder (no "./") looks like a Hub id: say both, not only "fetch failed".
    if (!(error instanceof ModelLoadError)) throw error;
    throw new ModelLoadError(`${error.message} (no folder ${resolve(idOrPath)} exists, so "${idOrPath}" was taken for a Hub id)`, {
      path: error.path,
      cause: error,
    });
  }
}

/** The model id of a pasted Hub page URL (`https://huggingface.co/owner/name/...`), if it is one. */
function hubPageId(value: string): string | undefined {
  const m = /^https?:\/\/(?:www\.)?(?:huggingface\.co|hf\.co)\/([\w.-]+\/[\w.-]+)(?:[/?#].*)?$/.exec(value);
  return m?.[1];
}

/**
 * Reads a model folder's files for the text families (config, tokenizer, sentence-transformers
 * modules, the ONNX graph `onnxFile`).
 * @throws {ModelLoadError} naming what is missing or unreadable.
 */
export async function readModelFolder(id: string, dir: string, onnxFile: string): Promise<ModelFiles> {
  let onnxPath = join(dir, onnxFile);
  if (!existsSync(onnxPath) && onnxFile === "onnx/model.onnx" && existsSync(join(dir, "model.onnx"))) {
    onnxPath = join(dir, "model.onnx"); // some exports (e.g. colbert-ir/colbertv2.0) keep it at the root
  }
  const onnxDir = join(dir, "onnx");
  const found = existsSync(onnxPath) || !statSync(onnxDir, { throwIfNoEntry: false })?.isDirectory() ? [] : readdirSync(onnxDir).filter((f) => f.endsWith(".onnx"));
  // An Optimum causal-LM export whose one decoder graph is the merged one.
  const merged = existsSync(onnxPath) ? undefined : mergedDecoderFallback(onnxFile, found);
  if (merged !== undefined) onnxPath = join(dir, merged);
  if (!existsSync(onnxPath)) {
    throw new ModelLoadError(
      `Missing ONNX weights: ${onnxPath} does not exist (found in onnx/: ${found.join(", ") || "nothing"}); ` +
        `choose a dtype that matches a file, or pass onnxFile`,
      { path: onnxPath },
    );
  }
  // ONNX Runtime would read a link to /dev/zero until memory runs out.
  const onnxStat = statSync(onnxPath);
  if (!onnxStat.isFile()) throw new ModelLoadError(`Cannot read the ONNX graph: ${onnxPath} is not a regular file`, { path: onnxPath });
  const [config, tokenizerJson, tokenizerConfig] = await Promise.all([
    readJson(dir, "config.json", true),
    readJson(dir, "tokenizer.json", true),
    readJson(dir, "tokenizer_config.json", true),
  ]);
  const [modules, stConfig, sbertConfig, colbertMetadata] = await Promise.all([
    readModules(dir),
    readJson(dir, "config_sentence_transformers.json", false),
    readJson(dir, "sentence_bert_config.json", false),
    readJson(dir, "artifact.metadata", false),
  ]);
  return {
    id,
    dir,
    config: config as Json,
    tokenizerJson: tokenizerJson as Json,
    tokenizerConfig: tokenizerConfig as Json,
    modules,
    stConfig,
    sbertConfig,
    colbertMetadata,
    onnxPath,
  };
}

/**
 * Reads and parses a JSON file of the model folder, bounded: a regular file (symlinks resolved,
 * never a device or a FIFO) of at most {@link MAX_JSON_BYTES}, whose top level is a JSON object.
 * A parse error states the position only: the file may be a link to anything (`/etc/passwd`),
 * and its bytes do not belong in an error message.
 * @throws {ModelLoadError} when a required file is missing, or any file is unreadable, too large,
 *   not valid JSON or not an object.
 */
export async function readJson(dir: string, name: string, required: true): Promise<Json>;
export async function readJson(dir: string, name: string, required: boolean): Promise<Json | undefined>;
export async function readJson(dir: string, name: string, required: boolean): Promise<Json | undefined> {
  const value = await readJsonValue(dir, name, required);
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ModelLoadError(`Unreadable ${name}: ${join(dir, name)} holds ${describeJson(value)}, not a JSON object`, { path: join(dir, name) });
  }
  return value as Json;
}

async function readJsonValue(dir: string, name: string, required: boolean): Promise<unknown> {
  const path = join(dir, name);
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, name, MAX_JSON_BYTES);
  } catch (error) {
    const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    if (!required && code === "ENOENT") return undefined;
    if (code === "ENOENT") throw new ModelLoadError(`Missing ${name}: cannot read ${path}`, { path, cause: error });
    throw error;
  }
  try {
    return JSON.parse(bytes.toString("utf8")) as unknown;
  } catch (cause) {
    // V8's message quotes the text it failed on: keep only where.
    const at = /position (\d+)/.exec((cause as Error).message)?.[1];
    throw new ModelLoadError(`Unreadable ${name}: ${path} is not valid JSON${at === undefined ? "" : ` (error at byte ${at})`}`, { path });
  }
}

/**
 * Reads sentence-transformers' `modules.json`: a list of objects with a string `type` and `path`.
 * @throws {ModelLoadError} naming the entry that is not.
 */
async function readModules(dir: string): Promise<StModule[] | undefined> {
  const path = join(dir, "modules.json");
  const value = await readJsonValue(dir, "modules.json", false);
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new ModelLoadError(`Unreadable modules.json: ${path} holds ${describeJson(value)}, not a list of modules`, { path });
  value.forEach((m: unknown, i) => {
    const entry = m as Partial<StModule> | null;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry) || typeof entry.type !== "string" || typeof entry.path !== "string") {
      throw new ModelLoadError(`Unreadable modules.json: ${path} entry ${i} is ${describeJson(m)}, not an object with a string "type" and "path"`, { path });
    }
  });
  return value as StModule[];
}

function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
