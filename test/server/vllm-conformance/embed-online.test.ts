/**
 * Ported from vLLM's tests/entrypoints/pooling/embed/test_online.py (@00bd1493),
 * embed/test_online_dimensions.py (@27437309) and basic/test_truncation.py (@7ee9d19e), run on
 * the tiny generated bi-encoder. Comparisons with HF reference embeddings become invariants of
 * the server's own outputs (token-id input equals text input, base64/bytes decode to the float
 * answer, use_activation:false normalizes to the default).
 */
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import type { LocalScorer } from "../../../src/local/index.js";
import { post, start } from "../helpers.js";
import { decodeTensor, expectEmbeddingsClose, normalize, startShared, tiny } from "./support.js";

const MODEL = "tiny-e5";
const INPUT = "The best thing about vLLM is that it supports many different models";
const DTYPES = ["float32", "float16", "bfloat16", "fp8_e4m3", "fp8_e5m2"];
const ENDIAN = ["native", "big", "little"];
const DUMMY_CHAT_TEMPLATE = "{% for message in messages %}{{message['role'] + ': ' + message['content'] + '\\n'}}{% endfor %}";
const MESSAGES = [
  { role: "user", content: "The cat sat on the mat." },
  { role: "assistant", content: "A feline was resting on a rug." },
  { role: "user", content: "Stars twinkle brightly in the night sky." },
];
const LONG = Array.from({ length: 300 }, (_, i) => `calculus${i % 7} newton leibniz`).join(" ");

let scorer: LocalScorer;
let url: string;
let tokens: number[];
let dim: number;

beforeAll(async () => {
  scorer = await tiny("bi-encoder-mean");
  ({ url } = await startShared({ scorer, servedModelName: MODEL }));
  tokens = scorer.tokenize(INPUT).ids;
  dim = (await post(`${url}/v1/embeddings`, { input: "x" })).body.data[0].embedding.length;
});

const floats = async (input: unknown): Promise<number[][]> =>
  (await post(`${url}/v1/embeddings`, { input, encoding_format: "float" })).body.data.map((d: { embedding: number[] }) => d.embedding);

describe("tests/entrypoints/pooling/embed/test_online.py", () => {
  it("test_basic: /v1/models and /tokenize", async () => {
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data[0]?.id).toBe(MODEL);
    const tok = await post(`${url}/tokenize`, { model: MODEL, prompt: INPUT });
    expect(tok.body.tokens).toEqual(tokens);
  });

  it("test_completion_request: str and list[int] input", async () => {
    const text = await post(`${url}/v1/embeddings`, { model: MODEL, input: INPUT, encoding_format: "float" });
    expect(text.status).toBe(200);
    expect(text.body.id).toBeTruthy();
    expect(text.body.data).toHaveLength(1);
    expect(text.body.data[0].embedding).toHaveLength(dim);
    expect(text.body.usage).toMatchObject({ completion_tokens: 0, prompt_tokens: tokens.length, total_tokens: tokens.length });
    const ids = await post(`${url}/v1/embeddings`, { model: MODEL, input: tokens, encoding_format: "float" });
    expect(ids.body.usage).toMatchObject({ completion_tokens: 0, prompt_tokens: tokens.length, total_tokens: tokens.length });
    // HF correctness check becomes: the token ids embed exactly as the text they came from.
    expectEmbeddingsClose(ids.body.data.map((d: { embedding: number[] }) => d.embedding), [text.body.data[0].embedding], 1e-6);
  });

  it("test_completion_request_batched: list[str] and list[list[int]]", async () => {
    const N = 10;
    const text = await post(`${url}/v1/embeddings`, { model: MODEL, input: Array(N).fill(INPUT), encoding_format: "float" });
    expect(text.body.data).toHaveLength(N);
    expect(text.body.usage).toMatchObject({ completion_tokens: 0, prompt_tokens: tokens.length * N, total_tokens: tokens.length * N });
    const ids = await post(`${url}/v1/embeddings`, { model: MODEL, input: Array(N).fill(tokens), encoding_format: "float" });
    expect(ids.body.data).toHaveLength(N);
    expect(ids.body.usage.prompt_tokens).toBe(tokens.length * N);
    expectEmbeddingsClose(
      ids.body.data.map((d: { embedding: number[] }) => d.embedding),
      text.body.data.map((d: { embedding: number[] }) => d.embedding),
      1e-6,
    );
  });

  it("test_truncate_prompt_tokens: 10 tokens of text and of token ids; > max_model_len is a 400", async () => {
    const text = await post(`${url}/v1/embeddings`, { model: MODEL, input: [LONG], truncate_prompt_tokens: 10 });
    expect(text.body.data[0].embedding).toHaveLength(dim);
    expect(text.body.usage).toMatchObject({ completion_tokens: 0, prompt_tokens: 10, total_tokens: 10 });
    const ids = await post(`${url}/v1/embeddings`, { model: MODEL, input: scorer.tokenize(LONG).ids.slice(0, 21), truncate_prompt_tokens: 10 });
    expect(ids.body.usage.prompt_tokens).toBe(10);
    const over = await post(`${url}/v1/embeddings`, { model: MODEL, input: [LONG], truncate_prompt_tokens: scorer.maxLength + 1 });
    expect(over.status).toBe(400);
    expect(over.body.error.message).toContain("truncate_prompt_tokens value is greater than max_model_len.");
  });

  it("test_chat_request: chat equals completion of the rendered template; flags change the count", async () => {
    const chat = await startShared({ scorer, servedModelName: MODEL, chatTemplate: DUMMY_CHAT_TEMPLATE });
    const viaChat = await post(`${chat.url}/v1/embeddings`, { model: MODEL, messages: MESSAGES, encoding_format: "float" });
    expect(viaChat.status).toBe(200);
    const prompt = MESSAGES.map((m) => `${m.role}: ${m.content}\n`).join("");
    const viaText = await post(`${chat.url}/v1/embeddings`, { model: MODEL, input: prompt, encoding_format: "float", add_special_tokens: false });
    expectEmbeddingsClose([viaChat.body.data[0].embedding], [viaText.body.data[0].embedding], 1e-6);
    const { id: _a, created: _b, data: _c, ...chatRest } = viaChat.body;
    const { id: _d, created: _e, data: _f, ...textRest } = viaText.body;
    expect(chatRest).toEqual(textRest);
    const base = viaChat.body.usage.prompt_tokens as number;
    const count = async (extra: Record<string, unknown>): Promise<number> => {
      const r = await post(`${chat.url}/v1/embeddings`, { model: MODEL, messages: MESSAGES, ...extra });
      expect(r.status).toBe(200);
      expect(r.body.object).toBe("list");
      expect(r.body.data).toHaveLength(1);
      expect(r.body.model).toBe(MODEL);
      return r.body.usage.prompt_tokens;
    };
    // This template ignores add_generation_prompt; continue_final_message drops the trailing
    // newline (no token for WordPiece); add_special_tokens adds [CLS] and [SEP].
    expect(await count({ add_generation_prompt: true })).toBe(base);
    expect(await count({ continue_final_message: true })).toBe(base);
    expect(await count({ add_special_tokens: true })).toBe(base + 2);
    const both = await post(`${chat.url}/v1/embeddings`, { model: MODEL, messages: MESSAGES, continue_final_message: true, add_generation_prompt: true });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toContain("Cannot set both `continue_final_message` and `add_generation_prompt` to True.");
    // /tokenize's chat form renders the same prompt, without special tokens.
    const tok = await post(`${chat.url}/tokenize`, { model: MODEL, messages: MESSAGES });
    expect(tok.body.tokens).toEqual(scorer.tokenize(prompt, { addSpecialTokens: false }).ids);
  });

  it("test_invocations_chat_request: same keys and embeddings as /v1/embeddings", async () => {
    const chat = await startShared({ scorer, servedModelName: MODEL, chatTemplate: DUMMY_CHAT_TEMPLATE });
    const args = { model: MODEL, messages: MESSAGES, encoding_format: "float" };
    const direct = await post(`${chat.url}/v1/embeddings`, args);
    const inv = await post(`${chat.url}/invocations`, args);
    expect(Object.keys(inv.body).sort()).toEqual(Object.keys(direct.body).sort());
    expectEmbeddingsClose([inv.body.data[0].embedding], [direct.body.data[0].embedding], 1e-6);
  });

  it("a chat request without any chat template is a 400 naming it", async () => {
    const r = await post(`${url}/v1/embeddings`, { model: MODEL, messages: MESSAGES });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("you must provide a chat template");
  });

  it("test_invocations_completion_request: same keys and embeddings as /v1/embeddings", async () => {
    const args = { model: MODEL, input: INPUT, encoding_format: "float" };
    const direct = await post(`${url}/v1/embeddings`, args);
    const inv = await post(`${url}/invocations`, args);
    expect(Object.keys(inv.body).sort()).toEqual(Object.keys(direct.body).sort());
    expect(Object.keys(inv.body.data[0]).sort()).toEqual(Object.keys(direct.body.data[0]).sort());
    expectEmbeddingsClose([inv.body.data[0].embedding], [direct.body.data[0].embedding], 1e-6);
  });

  it("test_base64_embedding: float32 base64 decodes to the float answer; the OpenAI SDK default too", async () => {
    const texts = ["Hello my name is", INPUT];
    const float = await floats(texts);
    const b64 = await post(`${url}/v1/embeddings`, { model: MODEL, input: texts, encoding_format: "base64" });
    const decoded = b64.body.data.map((d: { embedding: string }) => decodeTensor(Buffer.from(d.embedding, "base64"), "float32", "little"));
    expect(decoded).toEqual(float.map((v) => v.map((x) => Math.fround(x))));
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "x" });
    const sdk = await client.embeddings.create({ model: MODEL, input: texts });
    expectEmbeddingsClose(sdk.data.map((d) => d.embedding), float, 1e-6);
  });

  it("test_base64_embed_dtype_and_endianness: every embed_dtype x endianness", async () => {
    const texts = [INPUT, INPUT, INPUT];
    const float = await floats(texts);
    for (const embed_dtype of DTYPES) {
      for (const endianness of ENDIAN) {
        const r = await post(`${url}/v1/embeddings`, { model: MODEL, input: texts, encoding_format: "base64", embed_dtype, endianness });
        expect(r.status).toBe(200);
        const decoded = r.body.data.map((d: { embedding: string }) => decodeTensor(Buffer.from(d.embedding, "base64"), embed_dtype, endianness));
        decoded.forEach((v: number[]) => expect(v).toHaveLength(dim));
        expectEmbeddingsClose(float, decoded, embed_dtype.startsWith("fp8") ? 5e-2 : 1e-2);
      }
    }
  });

  it("test_bytes_embed_dtype_and_endianness: bytes with the metadata header", async () => {
    const texts = [INPUT, "another text", INPUT];
    const float = await floats(texts);
    for (const embed_dtype of DTYPES) {
      for (const endianness of ENDIAN) {
        const res = await fetch(`${url}/v1/embeddings`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: MODEL, input: texts, encoding_format: "bytes", embed_dtype, endianness }),
        });
        expect(res.status).toBe(200);
        const meta = JSON.parse(res.headers.get("metadata") as string);
        const body = Buffer.from(await res.arrayBuffer());
        expect(meta.model).toBe(MODEL);
        expect(meta.usage.prompt_tokens).toBeGreaterThan(0);
        const decoded = [...meta.data]
          .sort((a, b) => a.index - b.index)
          .map((item: { start: number; end: number; shape: number[]; embed_dtype: string; endianness: string }) => {
            expect(item.shape).toEqual([dim]);
            expect(item.embed_dtype).toBe(embed_dtype);
            return decodeTensor(body.subarray(item.start, item.end), item.embed_dtype, item.endianness);
          });
        expectEmbeddingsClose(float, decoded, embed_dtype.startsWith("fp8") ? 5e-2 : 1e-2);
      }
    }
  });

  it("test_bytes_only_embed_dtype_and_endianness: no metadata header, fixed-size items", async () => {
    const texts = [INPUT, INPUT];
    const float = await floats(texts);
    for (const embed_dtype of DTYPES) {
      for (const endianness of ENDIAN) {
        const res = await fetch(`${url}/v1/embeddings`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: MODEL, input: texts, encoding_format: "bytes_only", embed_dtype, endianness }),
        });
        expect(res.headers.get("metadata")).toBeNull();
        const body = Buffer.from(await res.arrayBuffer());
        const size = body.length / texts.length;
        const decoded = texts.map((_, i) => decodeTensor(body.subarray(i * size, (i + 1) * size), embed_dtype, endianness));
        expectEmbeddingsClose(float, decoded, embed_dtype.startsWith("fp8") ? 5e-2 : 1e-2);
      }
    }
  });

  for (const param of ["encoding_format", "embed_dtype", "endianness"]) {
    it(`test_params_not_supported[${param}]: 400 with literal_error and the bad value`, async () => {
      const r = await post(`${url}/v1/embeddings`, { model: MODEL, input: INPUT, encoding_format: "base64", [param]: `bad_${param}` });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain("literal_error");
      expect(r.body.error.message).toContain(`bad_${param}`);
    });
  }

  it("test_use_activation: default normalizes; false does not; normalize(false) equals true", async () => {
    const get = async (use_activation: boolean | null): Promise<number[]> =>
      (await post(`${url}/v1/embeddings`, { model: MODEL, input: INPUT, encoding_format: "float", use_activation })).body.data[0].embedding;
    const def = await get(null);
    const on = await get(true);
    const off = await get(false);
    def.forEach((v, i) => expect(v).toBeCloseTo(on[i] as number, 2));
    expect(off.some((v, i) => Math.abs(v - (on[i] as number)) > 1e-2)).toBe(true);
    normalize(off).forEach((v, i) => expect(v).toBeCloseTo(on[i] as number, 2));
  });

  it("test_pooling_embed: /pooling task embed", async () => {
    const r = await post(`${url}/pooling`, { model: MODEL, input: INPUT, encoding_format: "float", task: "embed" });
    expect(r.body.data).toHaveLength(1);
    expect(r.body.data[0].data).toHaveLength(dim);
  });

  // Newest vLLM serving code (frontend/entrypoints/pooling/pooling/serving.py): one pooling task
  // per server; token_embed is supported by the model but needs --pooler-config, plugin has its
  // own message.
  for (const task of ["classify", "token_classify", "token_embed", "plugin"]) {
    it(`test_pooling_not_supported[${task}]`, async () => {
      const r = await post(`${url}/pooling`, { model: MODEL, input: "test", encoding_format: "float", task });
      expect(r.status).toBe(400);
      expect(r.body.error.type).toBe("BadRequestError");
      const expected =
        task === "plugin"
          ? "No IOProcessor plugin installed."
          : task === "token_embed"
            ? "Try switching the model's pooling_task via --pooler-config.task token_embed."
            : `Unsupported task: '${task}' Supported tasks: ('embed', 'token_embed')`;
      expect(r.body.error.message.startsWith(expected)).toBe(true);
    });
  }
});

describe("tests/entrypoints/pooling/embed/test_online_dimensions.py", () => {
  it("test_matryoshka (non-Matryoshka model): None works; -1 and 16 are 400", async () => {
    const ok = await post(`${url}/v1/embeddings`, { model: MODEL, input: [INPUT, INPUT, INPUT], encoding_format: "float" });
    expect(ok.body.data).toHaveLength(3);
    expect(ok.body.usage.prompt_tokens).toBeGreaterThan(0);
    for (const dimensions of [-1, 16]) {
      const r = await post(`${url}/v1/embeddings`, { model: MODEL, input: INPUT, dimensions });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe(
        `Model '${MODEL}' does not support Matryoshka embeddings; dimensions must be unset (received dimensions=${dimensions}).`,
      );
    }
  });

  it("test_matryoshka (matryoshka_dimensions [8, 16]): listed sizes exact; -1 and 5 are 400", async () => {
    const m = await start({ scorer, servedModelName: MODEL, matryoshka: [8, 16] });
    for (const dimensions of [undefined, 8, 16]) {
      const r = await post(`${m.url}/v1/embeddings`, { model: MODEL, input: [INPUT, INPUT, INPUT], dimensions, encoding_format: "float" });
      expect(r.status).toBe(200);
      expect(r.body.data).toHaveLength(3);
      if (dimensions) expect(r.body.data[0].embedding).toHaveLength(dimensions);
    }
    for (const dimensions of [-1, 5]) {
      expect((await post(`${m.url}/v1/embeddings`, { model: MODEL, input: INPUT, dimensions })).status).toBe(400);
    }
  });
});

describe("tests/entrypoints/pooling/basic/test_truncation.py", () => {
  it("test_smaller_truncation_size", async () => {
    const r = await post(`${url}/v1/embeddings`, { model: MODEL, input: LONG, truncate_prompt_tokens: 10 });
    expect(r.body.usage.prompt_tokens).toBe(10);
  });

  it("test_bigger_truncation_size: exact message, BadRequestError", async () => {
    const r = await post(`${url}/v1/embeddings`, { model: MODEL, input: LONG, truncate_prompt_tokens: scorer.maxLength + 1 });
    expect(r.status).toBe(400);
    expect(r.body.error.type).toBe("BadRequestError");
    // Newest vLLM wording; the test's "Please, select a smaller truncation size." is the older one.
    expect(r.body.error.message).toBe("truncate_prompt_tokens value is greater than max_model_len. Please request a smaller truncation size.");
  });

  it("test_max_truncation_size: -1 keeps max_model_len tokens", async () => {
    const r = await post(`${url}/v1/embeddings`, { model: MODEL, input: LONG, truncate_prompt_tokens: -1 });
    expect(r.body.usage.prompt_tokens).toBe(scorer.maxLength);
  });
});
