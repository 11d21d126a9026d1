import { InvalidInputError } from "../errors/invalid-input-error.js";
import type { Usage } from "../types.js";
import { decodeEmbedding } from "./decode-embedding.js";
import { rejectUnsupported } from "./dialects/unsupported.js";
import { MalformedResponseError } from "./errors/malformed-response-error.js";
import type { EmbedDialect, RemoteEmbedOptions } from "./options.js";
import { arrayBody, arrayField, readUsage } from "./validate.js";

/** One embeddings request's settings. */
export interface EmbedCall {
  /** Model name, if configured. */
  model: string | undefined;
  /** Texts (prefixes already added). */
  texts: string[];
  /** Requested wire encoding. */
  encodingFormat: "float" | "base64";
  /** The caller's per-call options. */
  options: RemoteEmbedOptions;
}

/** What the embedder needs to know about a server's embeddings wire format. */
export interface EmbedDialectSpec {
  /** Route. */
  readonly path: string;
  /** Strip a trailing `/v1` from the base URL first. */
  readonly fromRoot: boolean;
  /** Default `maxTextsPerRequest`. */
  readonly defaultMaxTexts: number;
  /**
   * True when the wire format says whether a text is a query (Cohere's `input_type`), so the
   * server applies the model's query prompt; otherwise only `queryPrefix` can.
   */
  readonly queryInputType?: boolean;
  /** Throws for options this server cannot honour. */
  checkOptions(options: RemoteEmbedOptions): void;
  /** The request body. */
  body(call: EmbedCall): Record<string, unknown>;
  /** Validates and reads the answer: exactly `n` vectors in input order. */
  parse(url: string, body: unknown, n: number): { embeddings: Float32Array[]; usage: Usage };
}

function openAIBody(call: EmbedCall, vllm: boolean): Record<string, unknown> {
  const o = call.options;
  const body: Record<string, unknown> = {};
  if (call.model !== undefined) body.model = call.model;
  body.input = call.texts;
  body.encoding_format = call.encodingFormat;
  if (o.dimensions !== undefined) body.dimensions = o.dimensions;
  if (vllm) {
    if (o.normalize === false) body.use_activation = false;
    if (o.truncate === true) body.truncate_prompt_tokens = -1;
    if (o.priority !== undefined) body.priority = o.priority;
    if (o.cacheSalt !== undefined) body.cache_salt = o.cacheSalt;
  }
  return body;
}

function parseOpenAI(url: string, body: unknown, n: number): { embeddings: Float32Array[]; usage: Usage } {
  const data = arrayField(url, body, "data");
  if (data.length !== n) throw new MalformedResponseError(url, `expected ${n} embeddings, got ${data.length}`, { body });
  const out = new Array<Float32Array | undefined>(n);
  data.forEach((item, i) => {
    const index = (item as { index?: unknown } | null)?.index;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= n) {
      throw new MalformedResponseError(url, `data[${i}].index is ${String(index)}, outside [0, ${n})`, { body });
    }
    if (out[index]) throw new MalformedResponseError(url, `data[${i}].index ${index} is repeated`, { body });
    out[index] = decodeEmbedding(url, body, (item as { embedding?: unknown }).embedding, `data[${i}].embedding`);
  });
  return { embeddings: checkDims(url, body, out as Float32Array[]), usage: readUsage(body) };
}

function checkDims(url: string, body: unknown, vectors: Float32Array[]): Float32Array[] {
  const dim = vectors[0]?.length ?? 0;
  if (dim === 0) throw new MalformedResponseError(url, "embeddings are empty", { body });
  const bad = vectors.findIndex((v) => v.length !== dim);
  if (bad >= 0) {
    throw new MalformedResponseError(url, `embedding ${bad} has ${vectors[bad]?.length} values, the first has ${dim}`, {
      body,
    });
  }
  return vectors;
}

const reject = (name: string, ok: ("priority" | "cacheSalt")[]) => (o: RemoteEmbedOptions) => {
  rejectUnsupported(name, { priority: o.priority, cacheSalt: o.cacheSalt }, ok);
};

/** Embeddings wire formats by name. */
export const embedDialects: Readonly<Record<EmbedDialect, EmbedDialectSpec>> = {
  vllm: {
    path: "/v1/embeddings",
    fromRoot: true,
    defaultMaxTexts: 128,
    checkOptions: reject("vllm", ["priority", "cacheSalt"]),
    body: (call) => openAIBody(call, true),
    parse: parseOpenAI,
  },
  openai: {
    path: "/v1/embeddings",
    fromRoot: true,
    defaultMaxTexts: 128,
    checkOptions: (o) => {
      reject("openai", [])(o);
      rejectNormalize("openai", o);
    },
    body: (call) => openAIBody(call, false),
    parse: parseOpenAI,
  },
  infinity: {
    path: "/embeddings",
    fromRoot: false,
    defaultMaxTexts: 128,
    checkOptions: (o) => {
      reject("infinity", [])(o);
      rejectNormalize("infinity", o);
    },
    body: (call) => openAIBody(call, false),
    parse: parseOpenAI,
  },
  cohere: {
    path: "/v2/embed",
    fromRoot: true,
    defaultMaxTexts: 96,
    queryInputType: true,
    checkOptions: (o) => {
      reject("cohere", ["priority"])(o);
      rejectNormalize("cohere", o);
    },
    body: cohereBody,
    parse: parseCohere,
  },
  tei: {
    path: "/embed",
    fromRoot: false,
    defaultMaxTexts: 32,
    checkOptions: reject("tei", []),
    body: (call) => {
      const o = call.options;
      const body: Record<string, unknown> = { inputs: call.texts };
      if (o.normalize !== undefined) body.normalize = o.normalize;
      if (o.truncate !== undefined) body.truncate = o.truncate;
      if (o.dimensions !== undefined) body.dimensions = o.dimensions;
      return body;
    },
    parse: (url, body, n) => {
      const rows = arrayBody(url, body);
      if (rows.length !== n) throw new MalformedResponseError(url, `expected ${n} embeddings, got ${rows.length}`, { body });
      const vectors = rows.map((row, i) => decodeEmbedding(url, body, row, `[${i}]`));
      return { embeddings: checkDims(url, body, vectors), usage: { promptTokens: 0, totalTokens: 0 } };
    },
  },
};

/** Cohere `/v2/embed`: `kind` is the input type, `truncate: false` is `NONE`. */
function cohereBody(call: EmbedCall): Record<string, unknown> {
  const o = call.options;
  if (call.model === undefined) throw new InvalidInputError("The cohere dialect needs `model` (Cohere's /v2/embed requires it)", { field: "model" });
  const body: Record<string, unknown> = {
    model: call.model,
    texts: call.texts,
    input_type: (o.kind ?? "document") === "query" ? "search_query" : "search_document",
    embedding_types: [call.encodingFormat === "base64" ? "base64" : "float"],
  };
  if (o.dimensions !== undefined) body.output_dimension = o.dimensions;
  if (o.truncate === false) body.truncate = "NONE";
  if (o.priority !== undefined) body.priority = o.priority;
  return body;
}

function parseCohere(url: string, body: unknown, n: number): { embeddings: Float32Array[]; usage: Usage } {
  const embeddings = (body as { embeddings?: Record<string, unknown> } | null)?.embeddings;
  const rows = embeddings?.["float"] ?? embeddings?.["base64"];
  if (!Array.isArray(rows)) throw new MalformedResponseError(url, "embeddings.float (or .base64) is missing", { body });
  if (rows.length !== n) throw new MalformedResponseError(url, `expected ${n} embeddings, got ${rows.length}`, { body });
  const vectors = rows.map((row, i) => decodeEmbedding(url, body, row, `embeddings[${i}]`));
  const meta = (body as { meta?: { billed_units?: { input_tokens?: unknown } } }).meta;
  const tokens = typeof meta?.billed_units?.input_tokens === "number" ? meta.billed_units.input_tokens : 0;
  return { embeddings: checkDims(url, body, vectors), usage: { promptTokens: tokens, totalTokens: tokens } };
}

function rejectNormalize(name: string, o: RemoteEmbedOptions): void {
  if (o.normalize === false) {
    throw new InvalidInputError(`\`normalize: false\` is not supported by the ${name} dialect`, { field: "normalize" });
  }
}
