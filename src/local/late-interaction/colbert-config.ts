import { existsSync } from "node:fs";
import { join } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import type { ModelFiles } from "../files/model-files.js";
import { COLBERT_LINEAR_FILE } from "../files/hub.js";
import { readSafetensor } from "../files/safetensors.js";
import { COLBERT_CONVENTION_DEFAULTS, type LateInteractionOptions } from "../options.js";
import type { TextTokenizer } from "../tokenization/text-tokenizer.js";
import { isNativeMultiVector, readNativeColbertConfig } from "./mve-config.js";

/** Python's `string.punctuation`, the default ColBERT skiplist. */
export const PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/** The ColBERT conventions of one model, resolved from its metadata and the options. */
export interface ColbertSettings {
  convention: "colbert" | "vllm";
  queryMarkerId: number | undefined;
  documentMarkerId: number | undefined;
  maskId: number;
  queryLength: number;
  documentLength: number;
  /** Pad queries with [MASK] up to `queryLength`. */
  expandQuery: boolean;
  /** Let the encoder attend to the [MASK] expansion tokens. */
  attendToExpansion: boolean;
  /** Document token ids excluded from MaxSim. */
  skiplist: Set<number>;
  /** Token vector width the model's metadata declares (`dim`, `colbert_dim`), if any. */
  expectedDim: number | undefined;
  /** Projection `[dim, hidden]` applied outside the graph, when the graph outputs hidden states. */
  projection: { weight: Float32Array; dim: number; hidden: number } | undefined;
}

/**
 * Reads ColBERT settings from PyLate's `config_sentence_transformers.json`, stanford's
 * `artifact.metadata`, or next-plaid's `onnx_config.json`, with colbert-ai's defaults
 * (query length 32, markers `[unused0]`/`[unused1]`, punctuation skiplist).
 * @throws {ModelLoadError} when a marker token is not in the vocabulary.
 */
export async function readColbertSettings(
  files: ModelFiles,
  tokenizer: TextTokenizer,
  options: LateInteractionOptions,
): Promise<ColbertSettings> {
  const st = files.stConfig ?? {};
  const meta = files.colbertMetadata ?? {};
  const convention = options.convention ?? COLBERT_CONVENTION_DEFAULTS.library;
  const markerId = (name: unknown, fallback: string): number | undefined => {
    const token = typeof name === "string" ? name.trim() : fallback;
    const id = tokenizer.tokenToId(token);
    if (id === undefined) {
      throw new ModelLoadError(`${files.dir}: ColBERT marker token "${token}" is not in the vocabulary`, { path: files.dir });
    }
    return id;
  };
  if (isNativeMultiVector(files)) return nativeSettings(files, tokenizer, options);
  const queryLength = options.queryLength ?? num(st["query_length"]) ?? num(meta["query_maxlen"]) ?? 32;
  const documentLength = options.documentLength ?? num(st["document_length"]) ?? num(meta["doc_maxlen"]) ?? 180;
  const skipWords = Array.isArray(st["skiplist_words"]) ? (st["skiplist_words"] as string[]) : [...PUNCTUATION];
  const maskPunctuation = meta["mask_punctuation"] !== false;
  const skiplist = new Set<number>();
  if (maskPunctuation) {
    for (const w of skipWords) {
      const first = tokenizer.encode(w)[0];
      if (first !== undefined) skiplist.add(first);
    }
  }
  const maskId = tokenizer.tokenToId("[MASK]") ?? tokenizer.tokenToId("<mask>") ?? tokenizer.padId;
  const colbert = convention === "colbert";
  return {
    convention,
    queryMarkerId: colbert ? markerId(st["query_prefix"] ?? meta["query_token_id"], "[unused0]") : undefined,
    documentMarkerId: colbert ? markerId(st["document_prefix"] ?? meta["doc_token_id"], "[unused1]") : undefined,
    maskId,
    queryLength,
    documentLength,
    expandQuery: colbert && st["do_query_expansion"] !== false,
    attendToExpansion: st["attend_to_expansion_tokens"] === true || meta["attend_to_mask_tokens"] === true,
    skiplist: colbert ? skiplist : new Set(),
    expectedDim: num(meta["dim"]) ?? num(files.config["colbert_dim"]) ?? num(files.config["projection_dim"]),
    projection: await readProjection(files),
  };
}

/** Settings of a sentence-transformers 6 MultiVectorEncoder save (see {@link readNativeColbertConfig}). */
async function nativeSettings(files: ModelFiles, tokenizer: TextTokenizer, options: LateInteractionOptions): Promise<ColbertSettings> {
  const cfg = await readNativeColbertConfig(files);
  const colbert = (options.convention ?? COLBERT_CONVENTION_DEFAULTS.library) === "colbert";
  const idOf = (token: string | undefined, what: string): number | undefined => {
    if (token === undefined) return undefined;
    const id = tokenizer.tokenToId(token);
    if (id === undefined) throw new ModelLoadError(`${files.dir}: ColBERT ${what} "${token}" is not in the vocabulary`, { path: files.dir });
    return id;
  };
  const skiplist = new Set<number>();
  const unk = tokenizer.tokenToId("[UNK]") ?? tokenizer.tokenToId("<unk>");
  // MultiVectorMask looks each word up as one vocabulary token and drops those that are not.
  for (const w of cfg.skiplistWords) {
    const id = tokenizer.tokenToId(w);
    if (id !== undefined && id !== unk) skiplist.add(id);
  }
  // Without a length, sentence-transformers caps at the model limit (encodeColbert takes the minimum).
  const unbounded = Number.MAX_SAFE_INTEGER;
  return {
    convention: colbert ? "colbert" : "vllm",
    queryMarkerId: colbert ? idOf(cfg.queryMarker, "query prompt") : undefined,
    documentMarkerId: colbert ? idOf(cfg.documentMarker, "document prompt") : undefined,
    maskId: idOf(cfg.expansionToken, "query_expansion token") ?? tokenizer.tokenToId("[MASK]") ?? tokenizer.tokenToId("<mask>") ?? tokenizer.padId,
    queryLength: options.queryLength ?? cfg.queryLength ?? unbounded,
    documentLength: options.documentLength ?? cfg.documentLength ?? unbounded,
    expandQuery: colbert && cfg.expandQuery,
    attendToExpansion: cfg.attendToExpansion,
    skiplist: colbert ? skiplist : new Set(),
    expectedDim: undefined,
    projection: await readProjection(files),
  };
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/**
 * The projection weights kept outside the ONNX graph: PyLate's `1_Dense/model.safetensors`, or
 * `linear.weight` in a stanford checkpoint's `model.safetensors`. Undefined when neither exists.
 */
async function readProjection(files: ModelFiles): Promise<ColbertSettings["projection"]> {
  const dense = files.modules?.find((m) => m.type.endsWith("Dense"));
  const candidates = [
    dense ? join(files.dir, dense.path, "model.safetensors") : undefined,
    join(files.dir, "model.safetensors"),
    join(files.dir, COLBERT_LINEAR_FILE),
  ];
  for (const path of candidates) {
    if (!path || !existsSync(path)) continue;
    try {
      const t = await readSafetensor(path, ["linear.weight"]);
      return { weight: t.data, dim: t.shape[0] as number, hidden: t.shape[1] as number };
    } catch (error) {
      // A full-model model.safetensors without a ColBERT head is normal; only the Dense module must have one.
      if (path === candidates[0]) throw error;
    }
  }
  return undefined;
}
