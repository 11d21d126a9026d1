/**
 * `POST /v2/embed` (Cohere embed v2) beyond vLLM's ported online tests: the embedding types on
 * vectors the test chooses (signs, zeros, values outside [-1, 1]), `truncate` with `max_tokens`,
 * the `input_type` prompt lookup (config.json `task_instructions`, then the sentence-transformers
 * prompts, then Cohere's own input types), `inputs` on a text model and on CLIP.
 * References: vLLM's vllm/entrypoints/pooling/embed/cohere/{serving,protocol}.py.
 */
import { describe, expect, it } from "vitest";
import type { EmbedOptions, EmbedResponse } from "../../src/types.js";
import { FakeBiEncoder } from "./fakes.js";
import { post, start } from "./helpers.js";

const MODEL = "m";

/**
 * A text embedder with the model metadata the route reads, which records the texts it embedded.
 * A text `vec:<numbers>` embeds as exactly those numbers (not normalised), so the test owns the
 * vector; any other text embeds as the fake's formula.
 */
class PromptedFake extends FakeBiEncoder {
  readonly seen: string[] = [];
  readonly tokenizerConfig = {};

  constructor(
    readonly sentenceTransformersPrompts: Record<string, string> = {},
    readonly modelConfig: Record<string, unknown> = {},
  ) {
    super();
  }

  override async embedWithUsage(texts: string[], options: EmbedOptions = {}): Promise<EmbedResponse> {
    this.seen.push(...texts);
    const r = await super.embedWithUsage(texts, options);
    const embeddings = texts.map((t, i) => {
      const m = /vec:(\S+)/.exec(t);
      return m ? Float32Array.from((m[1] as string).split(",").map(Number)) : (r.embeddings[i] as Float32Array);
    });
    return { ...r, embeddings };
  }
}

async function serve(model = new PromptedFake()): Promise<{ embed: (body: Record<string, unknown>) => ReturnType<typeof post>; model: PromptedFake }> {
  const { url } = await start({ scorer: model, servedModelName: MODEL, idleTimeoutMs: 120_000 });
  return { embed: (body) => post(`${url}/v2/embed`, { model: MODEL, ...body }), model };
}

describe("/v2/embed input_type", () => {
  it("a name that is only an Object property is not a prompt name (vLLM's dict membership)", async () => {
    const { embed, model } = await serve(new PromptedFake({ query: "query: ", passage: "passage: " }));
    for (const name of ["toString", "constructor", "__proto__"]) {
      const r = await embed({ texts: ["hello"], input_type: name });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe(`Unsupported input_type '${name}'. Supported values: passage, query`);
      expect(r.body.error.param).toBe("input_type");
    }
    expect(model.seen).toEqual([]);
  });

  it("a model without prompts refuses an unknown input_type with vLLM's message", async () => {
    const { embed } = await serve();
    for (const name of ["nonexistent", "constructor"]) {
      const r = await embed({ texts: ["hello"], input_type: name });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe(`Unsupported input_type '${name}'. This model does not define any input_type prompt prefixes.`);
      expect(r.body.error.param).toBe("input_type");
    }
  });
});
