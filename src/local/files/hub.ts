import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { homedir } from "node:os";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { imageTextHubFiles } from "../image-text/hub-files.js";
import { isStaticLayout } from "../static/static-layout.js";
import { mergedDecoderFallback } from "./onnx-choice.js";

/** Where and how to fetch a model from the Hugging Face Hub. */
export interface HubOptions {
  revision?: string | undefined;
  cacheDir?: string | undefined;
  localFilesOnly?: boolean | undefined;
  accessToken?: string | undefined;
  hubUrl?: string | undefined;
}

/** Files a local scorer may read, besides the ONNX weights. */
export const METADATA_FILES = [
  "config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "modules.json",
  "sentence_bert_config.json",
  "config_sentence_transformers.json",
  "artifact.metadata",
  "onnx_config.json",
  "chat_template.jinja",
];

const MODULE_FILES = /^\d+_[A-Za-z]+\/(config\.json|model\.safetensors)$/;
/** A sentence-transformers CLIPModel module's full checkpoint: its ONNX towers replace it. */
const CLIP_MODULE_WEIGHTS = /^\d+_CLIPModel\/model\.safetensors$/;

/** True for strings shaped like a Hub repo id (`org/name` or `name`). */
export function looksLikeRepoId(value: string): boolean {
  return /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(value) && !value.includes("..");
}

/** The Hugging Face cache folder: option, then $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub. */
export function hubCacheDir(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env["HF_HUB_CACHE"]) return process.env["HF_HUB_CACHE"];
  if (process.env["HF_HOME"]) return join(process.env["HF_HOME"], "hub");
  return join(homedir(), ".cache", "huggingface", "hub");
}

/**
 * Downloads the files a scorer needs (metadata, tokenizer, the wanted ONNX file and its external
 * data; for a CLIP / SigLIP repository its processor and the dtype's tower graphs instead) into the standard Hugging Face cache, shared with Python, and returns the snapshot folder.
 * With `localFilesOnly`, resolves the snapshot from the cache without any request.
 *
 * @throws {ModelLoadError} when the repo, the revision or the ONNX file is not available.
 */
export async function downloadModel(repoId: string, wantedOnnx: string, options: HubOptions): Promise<string> {
  const cacheDir = hubCacheDir(options.cacheDir);
  const revision = options.revision ?? "main";
  if (options.localFilesOnly) return cachedSnapshot(repoId, revision, cacheDir);
  const hub = await import("@huggingface/hub");
  const accessToken = options.accessToken ?? process.env["HF_TOKEN"];
  const common = {
    ...(accessToken ? { accessToken } : {}),
    ...(options.hubUrl ?? process.env["HF_ENDPOINT"] ? { hubUrl: options.hubUrl ?? process.env["HF_ENDPOINT"] } : {}),
  };
  const repo = { type: "model" as const, name: repoId };
  let commit: string;
  const available = new Set<string>();
  try {
    // Pin the revision to one commit first: every file then lands in the same snapshot folder
    // (per-file "last commit" ids would scatter them), as huggingface_hub lays the cache out.
    const info = await hub.modelInfo({ name: repoId, revision, additionalFields: ["sha"], ...common });
    commit = (info as { sha?: string }).sha ?? "";
    if (!/^[0-9a-f]{40}$/.test(commit)) throw new Error(`the Hub returned no commit for revision "${revision}"`);
    for await (const f of hub.listFiles({ repo, revision: commit, recursive: true, ...common })) {
      if (f.type === "file") available.add(f.path);
    }
  } catch (cause) {
    throw new ModelLoadError(
      `Cannot list files of Hugging Face model "${repoId}" at revision "${revision}": ${(cause as Error).message}`,
      { path: repoId, cause },
    );
  }
  // An Optimum causal-LM export whose one decoder graph is the merged one (readModelFolder picks
  // the same file in the snapshot).
  const onnxNames = [...available].filter((p) => p.startsWith("onnx/")).map((p) => p.slice(5));
  const onnxFile = available.has(wantedOnnx) ? wantedOnnx : (mergedDecoderFallback(wantedOnnx, onnxNames) ?? wantedOnnx);
  // A CLIP / SigLIP repository: its processor, tokenizer and the dtype's tower graphs.
  const imageText = imageTextHubFiles(repoId, available, onnxFile);
  const layout = layoutFiles(available, onnxFile);
  const noOnnx = (): ModelLoadError => {
    const onnx = [...available].filter((p) => p.endsWith(".onnx"));
    return new ModelLoadError(
      `Hugging Face model "${repoId}" has no ${onnxFile} (ONNX files: ${onnx.join(", ") || "none"}); ` +
        `pick another dtype or onnxFile, or export the model to ONNX`,
      { path: `${repoId}/${onnxFile}` },
    );
  };
  if (!imageText && !available.has(onnxFile) && !layout.routedOnnx && !layout.staticCandidate) throw noOnnx();
  const graphs = imageText ?? [onnxFile, ...[...available].filter((p) => p.startsWith(`${onnxFile}_data`) || p.startsWith(`${onnxFile}.data`))];
  const wanted = [
    ...new Set(
      [...available]
        .filter((p) => METADATA_FILES.includes(p) || (MODULE_FILES.test(p) && !CLIP_MODULE_WEIGHTS.test(p)) || layout.wants(p))
        .concat(graphs.filter((p) => available.has(p))),
    ),
  ];
  const download = async (path: string): Promise<void> => {
    try {
      await hub.downloadFileToCacheDir({ repo, path, revision: commit, cacheDir, ...common });
    } catch (cause) {
      throw new ModelLoadError(`Cannot download ${path} of "${repoId}": ${(cause as Error).message}`, { path: `${repoId}/${path}`, cause });
    }
  };
  for (const path of wanted) await download(path);
  const repoDir = join(cacheDir, repoFolder(repoId));
  const snapshot = join(repoDir, "snapshots", commit);
  if (!imageText && !available.has(onnxFile) && !layout.routedOnnx) {
    // No ONNX: only a static model (its metadata, now downloaded, says) runs without one.
    if (!isStaticLayout(snapshot)) throw noOnnx();
    for (const path of [...available].filter(STATIC_FILES)) await download(path);
  }
  if (available.has("artifact.metadata") && available.has("model.safetensors") && !available.has("1_Dense/model.safetensors")) {
    await fetchColbertLinear(hub, { repo, revision: commit, ...common }, snapshot);
  }
  if (revision !== commit) {
    // Record the ref as huggingface_hub does, so localFilesOnly (and Python) find this snapshot.
    const ref = join(repoDir, "refs", revision);
    await mkdir(dirname(ref), { recursive: true });
    await writeFile(ref, commit);
  }
  return snapshot;
}

/** A static model's table and tokenizer (root, or a `0_StaticEmbedding/` module folder). */
const STATIC_FILES = (p: string): boolean => p === "model.safetensors" || /^\d+_StaticEmbedding\/(tokenizer\.json|model\.safetensors|config\.json)$/.test(p);

/** Module folders of an inference-free SPLADE Router (`query_0_SparseStaticEmbedding/`, `document_0_Transformer/`). */
const ROUTE_FILES = /^(query|document)_\d+_\w+\/(config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|sentence_bert_config\.json|model\.safetensors|vocab\.txt)$/;

/**
 * The files the sparse and static layouts need beyond the metadata, decided from the repo's
 * listing: bge-m3's two `.pt` heads; a Router's `router_config.json`, route folders and the ONNX
 * graph in its document transformer's folder; whether the repo may be a static model (no ONNX
 * file at all, confirmed from its metadata once downloaded).
 */
function layoutFiles(available: ReadonlySet<string>, onnxFile: string): { routedOnnx: boolean; staticCandidate: boolean; wants(p: string): boolean } {
  const paths = [...available];
  const bgeM3 = available.has("sparse_linear.pt") && available.has("colbert_linear.pt");
  const routed = available.has("router_config.json");
  const inRoute = (p: string) => /^document_\d+_\w+\//.test(p) && (p.endsWith(`/${onnxFile}`) || p.includes(`/${onnxFile}_data`) || p.includes(`/${onnxFile}.data`));
  return {
    routedOnnx: routed && paths.some((p) => inRoute(p) && p.endsWith(`/${onnxFile}`)),
    staticCandidate: !paths.some((p) => p.endsWith(".onnx")),
    wants: (p) =>
      (bgeM3 && (p === "sparse_linear.pt" || p === "colbert_linear.pt")) || (routed && (p === "router_config.json" || ROUTE_FILES.test(p) || inRoute(p))),
  };
}

/** Where the ColBERT projection taken from a stanford checkpoint is kept, inside the snapshot. */
export const COLBERT_LINEAR_FILE = "rerank-kit-colbert-linear.safetensors";

/**
 * A stanford (HF_ColBERT) checkpoint keeps its projection as `linear.weight` inside the full
 * `model.safetensors`; ONNX exports of it may leave the projection out. Read just that tensor
 * with ranged requests (a few hundred KB instead of the whole checkpoint) and store it as a
 * small safetensors file next to the model.
 */
async function fetchColbertLinear(
  hub: typeof import("@huggingface/hub"),
  params: { repo: { type: "model"; name: string }; revision: string; hubUrl?: string; accessToken?: string },
  snapshot: string,
): Promise<void> {
  const target = join(snapshot, COLBERT_LINEAR_FILE);
  if (existsSync(target)) return;
  try {
    const blob = await hub.downloadFile({ ...params, path: "model.safetensors" });
    if (!blob) return;
    const headerLength = Number(new DataView(await blob.slice(0, 8).arrayBuffer()).getBigUint64(0, true));
    const header = JSON.parse(await blob.slice(8, 8 + headerLength).text()) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    const entry = header["linear.weight"];
    if (!entry) return;
    const start = 8 + headerLength;
    const data = new Uint8Array(await blob.slice(start + entry.data_offsets[0], start + entry.data_offsets[1]).arrayBuffer());
    const json = Buffer.from(JSON.stringify({ "linear.weight": { dtype: entry.dtype, shape: entry.shape, data_offsets: [0, data.length] } }));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(json.length));
    await writeFile(target, Buffer.concat([length, json, data]));
  } catch (cause) {
    throw new ModelLoadError(`Cannot read the ColBERT projection (linear.weight) of "${params.repo.name}": ${(cause as Error).message}`, {
      path: `${params.repo.name}/model.safetensors`,
      cause,
    });
  }
}

/** The cache folder name of a repo (`models--org--name`), as huggingface_hub names it. */
export function repoFolder(repoId: string): string {
  return `models--${repoId.replaceAll("/", "--")}`;
}

/** Finds the cached snapshot folder of `repoId` at `revision`, as huggingface_hub lays it out. */
export async function cachedSnapshot(repoId: string, revision: string, cacheDir: string): Promise<string> {
  const repoDir = join(cacheDir, repoFolder(repoId));
  let commit = revision;
  if (!/^[0-9a-f]{40}$/.test(revision)) {
    try {
      commit = (await readFile(join(repoDir, "refs", revision), "utf8")).trim();
    } catch (cause) {
      throw new ModelLoadError(
        `"${repoId}" (revision ${revision}) is not in the Hugging Face cache at ${cacheDir} and localFilesOnly is set`,
        { path: repoDir, cause },
      );
    }
  }
  return join(repoDir, "snapshots", commit);
}
