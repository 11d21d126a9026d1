import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { checkModel, responseId, type ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import { COHERE_EMBEDDING_TYPES, CohereEmbedRequestSchema, CohereEmbedResponseSchema, type CohereEmbedRequest } from "../schemas/cohere.js";
import { errorResponses, jsonBody } from "../schemas/common.js";
import { embedRequest } from "./embed-request.js";
import { embedMixed, imageTextEmbedder, type EmbedItem } from "./image-embed.js";

type EmbeddingType = (typeof COHERE_EMBEDDING_TYPES)[number];

/**
 * Registers `POST /v2/embed` (Cohere embed v2), translated into the `/v1/embeddings` pipeline as
 * vLLM's `CohereServingEmbedding` does: `input_type` selects the model's sentence-transformers
 * prompt, `truncate` NONE / START / END (with `max_tokens`) maps to `truncate_prompt_tokens` and
 * `truncation_side`, `output_dimension` to `dimensions`. The answer carries Cohere's `meta`
 * (`billed_units.input_tokens`, which Cohere's clients read, and vLLM's `tokens`); a request
 * with images adds Cohere's `billed_units.images`, their count, and `image_tokens` is the
 * positions the vision tower encoded for them (its patches per image, plus CLIP's class position).
 */
export function registerCohereEmbed(app: OpenAPIHono<AppEnv>, ctx: ServerContext): void {
  const prompts = promptsOf(ctx);
  const route = createRoute({
    method: "post",
    path: "/v2/embed",
    tags: ["pooling"],
    summary: "Embed texts (Cohere embed v2 API)",
    request: { body: jsonBody(CohereEmbedRequestSchema) },
    responses: {
      200: { description: "Embeddings by type", content: { "application/json": { schema: CohereEmbedResponseSchema } } },
      ...errorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    checkModel(ctx, body.model);
    const prefix = promptFor(prompts, body.input_type);
    const mixed = mixedItems(ctx, body, prefix);
    const texts = mixed ? [] : inputTexts(ctx, body);
    const input = texts.map((t) => prefix + t);
    const truncate = body.truncate ?? "END";
    const maxTokens = body.max_tokens ?? undefined;
    const tokenizer = ctx.options.tokenizer;
    if (truncate === "NONE" && maxTokens !== undefined && tokenizer) {
      for (const t of input) {
        const n = (await tokenizer.tokenize(t)).ids.length;
        if (n > maxTokens) {
          throw badRequest(`Input of ${n} tokens exceeds max_tokens=${maxTokens} with truncate=NONE. Set truncate to END or START to allow truncation.`);
        }
      }
    }
    const fields = {
      input,
      dimensions: body.output_dimension,
      truncate_prompt_tokens: truncate === "NONE" ? undefined : (maxTokens ?? -1),
      truncation_side: truncate === "START" ? ("left" as const) : undefined,
    };
    const { outputs, promptTokens, images, imageTokens } = mixed
      ? await embedMixed(ctx, c, mixed, { dimensions: body.output_dimension })
      : { ...(await embedRequest(ctx, c, fields)), images: 0, imageTokens: 0 };
    const vectors = outputs.map((o) => Array.from(o.data));
    const types: EmbeddingType[] = body.embedding_types && body.embedding_types.length > 0 ? body.embedding_types : ["float"];
    const embeddings: Partial<Record<EmbeddingType, unknown>> = {};
    for (const type of types) embeddings[type] = byType(vectors, outputs.map((o) => o.data), type);
    return c.json(
      {
        id: responseId(c, "embd"),
        embeddings: embeddings as Record<string, never>,
        ...(body.texts && body.texts.length > 0 && { texts: [...body.texts] }),
        meta: {
          api_version: { version: "2" },
          // Cohere's `images` is the count; `image_tokens` the positions the vision tower encoded
          // for them (left out when the embedder cannot tell, rather than a made-up 0).
          billed_units: { input_tokens: promptTokens, ...(imageTokens !== undefined && { image_tokens: imageTokens }), ...(images > 0 && { images }) },
          tokens: { input_tokens: promptTokens },
        },
        response_type: "embeddings_by_type" as const,
      },
      200,
    );
  });
}

/**
 * With an image-text model (CLIP, SigLIP), `images` (one image each) and `inputs` (each one text
 * or one image) as embedding items; otherwise `undefined` (text only, or refused as multimodal).
 * @throws {HttpError} 400 for an input that mixes text and an image, or has several images.
 */
function mixedItems(ctx: ServerContext, body: CohereEmbedRequest, prefix: string): EmbedItem[] | undefined {
  if (!imageTextEmbedder(ctx) || (!body.images && !body.inputs)) return undefined;
  if (!body.texts && body.images) return body.images.map((url, i) => ({ kind: "image", url, field: `images[${i}]` }));
  if (!body.inputs) return undefined;
  return body.inputs.map((item, i): EmbedItem => {
    const images = item.content.filter((p) => p.type === "image_url");
    const text = item.content.map((p) => (p.type === "text" ? (p.text ?? "") : "")).join("");
    if (images.length > 1) throw badRequest("Only one multi-modal item is supported", `inputs[${i}]`);
    const image = images[0];
    if (!image) return { kind: "text", text: prefix + text };
    if (text.trim() !== "") throw badRequest(`${ctx.options.architecture} embeds a text or an image, not both: put them in separate inputs.`, `inputs[${i}]`);
    const url = image.image_url?.["url"];
    if (typeof url !== "string") throw badRequest("An image_url part needs image_url.url", `inputs[${i}]`);
    return { kind: "image", url, field: `inputs[${i}]` };
  });
}

/** The texts to embed: `texts`, or the text parts of each `inputs` item. */
function inputTexts(ctx: ServerContext, body: CohereEmbedRequest): string[] {
  if (!body.texts && !body.images && !body.inputs) throw badRequest("One of texts, images, or inputs must be provided");
  const multimodal = (): never => {
    throw badRequest(`MultiModalParam is not supported for ${ctx.options.architecture}`);
  };
  // Images need a vision tower; local models have none.
  if (body.images) return multimodal();
  if (body.inputs) {
    return body.inputs.map((item) => {
      if (item.content.some((p) => p.type !== "text")) multimodal();
      return item.content.map((p) => p.text ?? "").join("");
    });
  }
  return body.texts ?? [];
}

/** vLLM's input_type lookup: config.json `task_instructions`, else the sentence-transformers prompts. */
function promptsOf(ctx: ServerContext): Record<string, string> | undefined {
  const ti = ctx.options.modelConfig["task_instructions"];
  if (ti && typeof ti === "object" && Object.keys(ti).length > 0) {
    return Object.fromEntries(Object.entries(ti).filter((e): e is [string, string] => typeof e[1] === "string"));
  }
  const st = ctx.options.metadata.sentenceTransformersPrompts;
  return st && Object.keys(st).length > 0 ? { ...st } : undefined;
}

/**
 * Cohere's own input types, and the sentence-transformers prompt names they stand for. vLLM
 * accepts only the model's prompt names, which rejects every call of Cohere's SDKs (they always
 * send one of these); rerank-kit maps them onto the model's prompts instead, or embeds as given.
 */
const COHERE_INPUT_TYPES: Record<string, string[]> = {
  search_query: ["query"],
  search_document: ["document", "passage", "corpus"],
  classification: ["classification"],
  clustering: ["clustering"],
  image: [],
};

/** Own keys only, as vLLM's dict lookup (`toString` is no prompt). @throws {HttpError} 400 with vLLM's message for an input_type the model has no prompt for. */
function promptFor(prompts: Record<string, string> | undefined, inputType: string | null | undefined): string {
  if (inputType === null || inputType === undefined) return "";
  if (prompts && Object.hasOwn(prompts, inputType)) return prompts[inputType] ?? "";
  const aliases = Object.hasOwn(COHERE_INPUT_TYPES, inputType) ? COHERE_INPUT_TYPES[inputType] : undefined;
  if (aliases) {
    const name = aliases.find((a) => prompts && Object.hasOwn(prompts, a));
    return name && prompts ? (prompts[name] ?? "") : "";
  }
  if (!prompts) {
    throw badRequest(`Unsupported input_type '${inputType}'. This model does not define any input_type prompt prefixes.`, "input_type");
  }
  throw badRequest(`Unsupported input_type '${inputType}'. Supported values: ${Object.keys(prompts).sort().join(", ")}`, "input_type");
}

/**
 * One embedding type. `binary` / `ubinary` pack sign bits MSB first, 8 per byte (signed subtracts
 * 128), as vLLM does; `base64` is little-endian float32. `int8` / `uint8` (Cohere's, whose
 * calibration is unpublished) scale each value, clamped to [-1, 1], by 127 (int8) or map
 * [-1, 1] onto [0, 255] (uint8).
 */
function byType(vectors: number[][], raw: Float32Array[], type: EmbeddingType): unknown {
  switch (type) {
    case "float":
      return vectors;
    case "base64":
      return raw.map((v) => {
        const buf = Buffer.alloc(v.length * 4);
        v.forEach((x, i) => buf.writeFloatLE(x, i * 4));
        return buf.toString("base64");
      });
    case "int8":
      return vectors.map((v) => v.map((x) => Math.round(Math.max(-1, Math.min(1, x)) * 127)));
    case "uint8":
      return vectors.map((v) => v.map((x) => Math.round((Math.max(-1, Math.min(1, x)) + 1) * 127.5)));
    case "binary":
    case "ubinary":
      return vectors.map((v) => {
        if (v.length % 8 !== 0) {
          throw badRequest(`Embedding dimension must be a multiple of 8 for binary embedding types, but got ${v.length}.`);
        }
        const packed: number[] = [];
        for (let i = 0; i < v.length; i += 8) {
          let byte = 0;
          for (let b = 0; b < 8; b++) if ((v[i + b] as number) >= 0) byte += 1 << (7 - b);
          packed.push(type === "binary" ? byte - 128 : byte);
        }
        return packed;
      });
  }
}
