import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { readJsonFileSync } from "../files/bounded-read.js";
import { readSafetensorRaw } from "../files/safetensors.js";
import { EmbeddingTable, type PoolKernel } from "./embedding-table.js";

/** A parsed JSON object (not imported from model-files: the Hub download reads this module, and model-files reads the Hub). */
type Json = Record<string, unknown>;

/** How a static model turns token ids into one vector. */
export interface StaticSpec {
  /** `sentence-transformers` (a `StaticEmbedding` module) or `model2vec` (`StaticModel`). */
  layout: "sentence-transformers" | "model2vec";
  /** `[vocab, dim]` token vectors. */
  table: EmbeddingTable;
  /** model2vec's optional per-token weights (`weights` tensor), indexed by token id. */
  weights?: Float32Array | undefined;
  /** model2vec's vocabulary quantization (`mapping` tensor): token id -> table row. */
  mapping?: Int32Array | undefined;
  /** `tokenizer.json` of the model. */
  tokenizerJson: Json;
  /** Normalize the mean: sentence-transformers' `Normalize` module, or model2vec's `normalize`. */
  normalize: boolean;
  /** Token ids removed before pooling: model2vec drops the unknown token. */
  dropIds: ReadonlySet<number>;
  /** model2vec truncates to 512 tokens, after cutting the text to 512 x the median token length in characters. */
  maxTokens?: number | undefined;
  maxChars?: number | undefined;
}

const readJson = (path: string): Json => readJsonFileSync(path, basename(path)) as Json;

/** A JSON file, or undefined when unreadable: detection leaves naming a bad file to the loader that needs it. */
function tryJson(path: string): Json | undefined {
  try {
    return readJson(path);
  } catch {
    // The family loaders (loadModelFiles) report the unreadable file with its path.
    return undefined;
  }
}

/** model2vec's default `max_length` of `StaticModel.encode`. */
const MODEL2VEC_MAX_TOKENS = 512;

/**
 * Recognizes a static embedding model from its files alone: `modules.json` whose first module is a
 * `StaticEmbedding` (optionally followed by `Normalize`), or a model2vec folder (`config.json` with
 * `model_type: "model2vec"` or a `StaticModel` architecture). Undefined for anything else.
 */
export function isStaticLayout(dir: string): boolean {
  return staticKind(dir) !== undefined;
}

function staticKind(dir: string): { kind: "st"; modules: Array<{ path: string; type: string }> } | { kind: "model2vec" } | undefined {
  const modulesPath = join(dir, "modules.json");
  if (existsSync(modulesPath)) {
    const modules = tryJson(modulesPath) as unknown as Array<{ path: string; type: string }> | undefined;
    if (Array.isArray(modules) && String(modules[0]?.type ?? "").endsWith("StaticEmbedding")) return { kind: "st", modules };
  }
  const configPath = join(dir, "config.json");
  const config = existsSync(configPath) ? tryJson(configPath) : undefined;
  if (config) {
    const archs = Array.isArray(config["architectures"]) ? (config["architectures"] as unknown[]) : [];
    if (config["model_type"] === "model2vec" || archs.includes("StaticModel")) return { kind: "model2vec" };
  }
  return undefined;
}

/**
 * Reads a static model's table, tokenizer and pooling settings; `kernel` chooses how the table's
 * rows will be summed (see {@link PoolKernel}).
 * @throws {ModelLoadError} when the folder is not a static model, a file is missing, or a module
 *   other than `Normalize` follows the `StaticEmbedding`.
 */
export async function readStaticSpec(dir: string, kernel: PoolKernel = "auto"): Promise<StaticSpec> {
  const found = staticKind(dir);
  if (!found) throw new ModelLoadError(`${dir} is not a StaticEmbedding or model2vec model`, { path: dir });
  if (found.kind === "st") {
    const [first, ...rest] = found.modules;
    const other = rest.find((m) => !m.type.endsWith("Normalize"));
    if (other) {
      throw new ModelLoadError(`${dir}: module ${other.type} after StaticEmbedding is not supported (only Normalize)`, { path: dir });
    }
    const sub = join(dir, first?.path ?? "");
    const table = await readTable(sub, ["embedding.weight", "embeddings"], kernel);
    return {
      layout: "sentence-transformers",
      table,
      tokenizerJson: readTokenizer(sub),
      normalize: rest.length > 0,
      dropIds: new Set(),
    };
  }
  const config = readJson(join(dir, "config.json"));
  const tokenizerJson = readTokenizer(dir);
  const path = join(dir, "model.safetensors");
  const table = await readTable(dir, ["embeddings", "embedding.weight"], kernel);
  const weights = await optionalTensor(path, "weights");
  const mapping = await optionalTensor(path, "mapping");
  const vocab = vocabularyInIdOrder(tokenizerJson);
  const unk = unknownTokenId(tokenizerJson);
  const median = medianLength(vocab);
  return {
    layout: "model2vec",
    table,
    weights: weights && toFloat32(weights, path),
    mapping: mapping && toInt32(mapping, path),
    tokenizerJson,
    normalize: config["normalize"] === true,
    dropIds: new Set(unk === undefined ? [] : [unk]),
    maxTokens: MODEL2VEC_MAX_TOKENS,
    maxChars: MODEL2VEC_MAX_TOKENS * median,
  };
}

async function readTable(dir: string, names: string[], kernel: PoolKernel): Promise<EmbeddingTable> {
  const path = join(dir, "model.safetensors");
  if (!existsSync(path)) throw new ModelLoadError(`${path} is missing (the static embedding table)`, { path });
  return EmbeddingTable.read(path, names, kernel);
}

async function optionalTensor(path: string, name: string) {
  try {
    return await readSafetensorRaw(path, [name]);
  } catch (error) {
    // Absent is normal (most model2vec models have neither weights nor a mapping); a malformed
    // file was already refused when the table was read.
    if (error instanceof ModelLoadError && /has none of the tensors/.test(error.message)) return undefined;
    throw error;
  }
}

function toFloat32(raw: Awaited<ReturnType<typeof readSafetensorRaw>>, path: string): Float32Array {
  const table = EmbeddingTable.fromRaw({ ...raw, shape: [raw.shape[0] ?? 0, 1] }, path);
  const out = new Float32Array(table.rows);
  const acc = new Float64Array(1);
  for (let i = 0; i < table.rows; i++) {
    acc[0] = 0;
    table.addRow(i, acc);
    out[i] = acc[0] as number;
  }
  return out;
}

function toInt32(raw: Awaited<ReturnType<typeof readSafetensorRaw>>, path: string): Int32Array {
  const n = raw.shape[0] ?? 0;
  const buf = raw.bytes.buffer;
  if (raw.dtype === "I64") return Int32Array.from(new BigInt64Array(buf, raw.bytes.byteOffset, n), (x) => Number(x));
  if (raw.dtype === "I32") return new Int32Array(buf, raw.bytes.byteOffset, n);
  throw new ModelLoadError(`${path}: tensor mapping has unsupported dtype ${raw.dtype} (I32 or I64)`, { path });
}

function readTokenizer(dir: string): Json {
  const path = join(dir, "tokenizer.json");
  if (!existsSync(path)) throw new ModelLoadError(`${path} is missing`, { path });
  return readJson(path);
}

/** Token strings by id, from tokenizer.json's model (WordPiece / BPE maps, Unigram lists) and added tokens. */
export function vocabularyInIdOrder(tokenizerJson: Json): string[] {
  const model = (tokenizerJson["model"] ?? {}) as { vocab?: unknown };
  const out: string[] = [];
  if (Array.isArray(model.vocab)) {
    model.vocab.forEach((entry, id) => (out[id] = String((entry as unknown[])[0])));
  } else if (model.vocab && typeof model.vocab === "object") {
    for (const [token, id] of Object.entries(model.vocab as Record<string, number>)) out[id] = token;
  }
  for (const t of (tokenizerJson["added_tokens"] as Array<{ id: number; content: string }> | undefined) ?? []) out[t.id] = t.content;
  return out;
}

/** The model's `unk_token` id (WordPiece, BPE); Unigram models have none, as model2vec reads them. */
function unknownTokenId(tokenizerJson: Json): number | undefined {
  const model = (tokenizerJson["model"] ?? {}) as { unk_token?: unknown };
  if (typeof model.unk_token !== "string") return undefined;
  const vocab = vocabularyInIdOrder(tokenizerJson);
  const id = vocab.indexOf(model.unk_token);
  return id >= 0 ? id : undefined;
}

/** numpy's median of the tokens' lengths in code points, truncated to an integer (model2vec's `int(np.median(...))`). */
function medianLength(vocab: string[]): number {
  const lengths = vocab.filter((t) => t !== undefined).map((t) => [...t].length).sort((a, b) => a - b);
  const n = lengths.length;
  if (n === 0) return 1;
  const mid = n >> 1;
  const median = n % 2 ? (lengths[mid] as number) : ((lengths[mid - 1] as number) + (lengths[mid] as number)) / 2;
  return Math.trunc(median);
}
