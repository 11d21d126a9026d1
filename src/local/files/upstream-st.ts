/**
 * Mirrors without sentence-transformers files (`Xenova/*`, many `onnx-community/*` repos: a
 * `config.json`, the tokenizer and `onnx/` only). sentence-transformers loads such a folder as
 * Transformer + mean Pooling, no Normalize; the model it was converted from (`_name_or_path` in
 * `config.json`) usually normalizes, so a vector store using dot products would rank differently
 * from Python. This module reads the upstream repo's sentence-transformers files (never its
 * weights) into the mirror's {@link ModelFiles}, or says why it falls back.
 * @module
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { InvalidOptionError } from "../../errors/invalid-option-error.js";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { emitLoadWarning } from "../load-warning.js";
import { MAX_JSON_BYTES, readRegularFile } from "./bounded-read.js";
import { stLayoutOf } from "./st-layout.js";
import { cachedSnapshot, hubCacheDir, looksLikeRepoId, repoFolder, type HubOptions } from "./hub.js";
import { readJson, type Json, type ModelFiles, type StModule } from "./model-files.js";

/** The files taken from the upstream repo: module list, prompts, module configs, Dense weights. */
const UPSTREAM_FILES = /^(modules\.json|config_sentence_transformers\.json|sentence_bert_config\.json|\d+_[A-Za-z]+\/config\.json|\d+_Dense\/model\.safetensors)$/;

/** How long the Hub may take to answer before the mirror falls back (the load must not hang offline). */
const HUB_TIMEOUT_MS = 10_000;

/** What {@link withUpstreamSt} needs from the load options. */
export interface UpstreamOptions extends HubOptions {
  /** The upstream repo id, or `false` for none. @default config.json's `_name_or_path` */
  upstream?: string | false | undefined;
}

/**
 * True for a plain transformers base model (`BertModel`, `XLMRobertaModel`, ...: an architecture
 * with no task head) without sentence-transformers files: sentence-transformers loads it as a
 * mean-pooling bi-encoder.
 */
export function isPlainBaseModel(files: ModelFiles): boolean {
  const architectures = (files.config["architectures"] as unknown[] | undefined) ?? [];
  const base = architectures.length > 0 && architectures.every((a) => typeof a === "string" && /Model$/.test(a) && !/For[A-Z]\w*$/.test(a));
  return base && stLayoutOf(files).writer === "none" && !existsSync(join(files.dir, "1_Pooling", "config.json"));
}

/**
 * For a folder without sentence-transformers files: the files with the upstream repo's modules,
 * pooling, Dense, Normalize and prompts when it can be read (downloaded into the Hugging Face
 * cache like any model file, or found there), else the files unchanged. Either way one
 * `RerankKitWarning` says what was used. Folders with sentence-transformers files are returned as
 * they are.
 */
export async function withUpstreamSt(files: ModelFiles, options: UpstreamOptions): Promise<ModelFiles> {
  const given = options.upstream;
  if (given !== undefined && given !== false && (typeof given !== "string" || !given.includes("/") || !looksLikeRepoId(given))) {
    throw new InvalidOptionError(`upstream must be a Hub repo id ("org/name") or false, got ${JSON.stringify(given)}`, {
      option: "upstream",
      allowed: '"org/name" or false',
    });
  }
  if (stLayoutOf(files).writer !== "none" || existsSync(join(files.dir, "modules.json"))) return files;
  const named = files.config["_name_or_path"];
  const repo = options.upstream === false ? undefined : (options.upstream ?? (typeof named === "string" ? named : undefined));
  const fallback = (why: string): ModelFiles => {
    emitLoadWarning(
      "RERANK_KIT_NO_ST_FILES",
      `${files.id}: no sentence-transformers files (modules.json); ${why}, so it is loaded as sentence-transformers loads a plain ` +
        `transformers model: mean pooling, no normalization. Pass queryPrefix / documentPrefix for prompts, ` +
        `or upstream: "<org/name>" to read the pooling and normalization of the repo it was converted from.`,
    );
    return files;
  };
  if (options.upstream === false) return fallback("upstream is false");
  if (repo === undefined || !repo.includes("/") || !looksLikeRepoId(repo)) return fallback("config.json names no upstream repo (_name_or_path)");
  let snapshot: string;
  try {
    const offline = options.localFilesOnly === true || ["1", "true", "yes", "on"].includes((process.env["HF_HUB_OFFLINE"] ?? "").toLowerCase());
    snapshot = offline ? await cachedSnapshot(repo, "main", hubCacheDir(options.cacheDir)) : await downloadUpstream(repo, options);
  } catch (error) {
    return fallback(`its upstream repo ${repo} could not be read (${(error as Error).message})`);
  }
  const modules = await readUpstreamModules(snapshot);
  if (!modules) return fallback(`its upstream repo ${repo} has no modules.json`);
  const [stConfig, sbertConfig] = await Promise.all([
    readJson(snapshot, "config_sentence_transformers.json", false),
    readJson(snapshot, "sentence_bert_config.json", false),
  ]);
  emitLoadWarning(
    "RERANK_KIT_UPSTREAM_ST_FILES",
    `${files.id}: no sentence-transformers files; using those of the upstream repo ${repo} (modules: ${modules.map((m) => m.type.split(".").pop()).join(", ")}), ` +
      `read from ${snapshot}. Pass upstream: false to load it as sentence-transformers loads it (mean pooling, no normalization).`,
  );
  return { ...files, modules, stConfig, sbertConfig: sbertConfig as Json | undefined, stDir: snapshot };
}

async function readUpstreamModules(snapshot: string): Promise<StModule[] | undefined> {
  if (!existsSync(join(snapshot, "modules.json"))) return undefined;
  // readJson takes objects only; modules.json is a list, parsed here with the same size bound.
  const value = JSON.parse((await readRegularFile(join(snapshot, "modules.json"), "modules.json", MAX_JSON_BYTES)).toString("utf8")) as unknown;
  if (!Array.isArray(value) || !value.every((m: unknown) => typeof (m as StModule | null)?.type === "string" && typeof (m as StModule).path === "string")) {
    throw new ModelLoadError(`${join(snapshot, "modules.json")} is not a list of modules`, {
      path: join(snapshot, "modules.json"),
    });
  }
  return value as StModule[];
}

/**
 * Downloads the upstream's sentence-transformers files at `main` into the Hugging Face cache (the
 * layout huggingface_hub and Python share) and returns the snapshot folder. Only files matching
 * {@link UPSTREAM_FILES} are fetched: never the model's weights.
 */
async function downloadUpstream(repoId: string, options: HubOptions): Promise<string> {
  const hub = await import("@huggingface/hub");
  const cacheDir = hubCacheDir(options.cacheDir);
  const accessToken = options.accessToken ?? process.env["HF_TOKEN"];
  const hubUrl = options.hubUrl ?? process.env["HF_ENDPOINT"];
  const timedFetch: typeof fetch = (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(HUB_TIMEOUT_MS) });
  const common = { ...(accessToken ? { accessToken } : {}), ...(hubUrl ? { hubUrl } : {}), fetch: timedFetch };
  const repo = { type: "model" as const, name: repoId };
  const info = await hub.modelInfo({ name: repoId, revision: "main", additionalFields: ["sha"], ...common });
  const commit = (info as { sha?: string }).sha ?? "";
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new Error("the Hub returned no commit for main");
  const wanted: string[] = [];
  for await (const f of hub.listFiles({ repo, revision: commit, recursive: true, ...common })) {
    if (f.type === "file" && UPSTREAM_FILES.test(f.path)) wanted.push(f.path);
  }
  for (const path of wanted) await hub.downloadFileToCacheDir({ repo, path, revision: commit, cacheDir, ...common });
  const repoDir = join(cacheDir, repoFolder(repoId));
  const ref = join(repoDir, "refs", "main");
  await mkdir(dirname(ref), { recursive: true });
  await writeFile(ref, commit);
  return join(repoDir, "snapshots", commit);
}
