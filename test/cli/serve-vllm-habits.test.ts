// `vllm serve` habits taken by `rerank-kit serve`: the positional model, --max-model-len,
// --trust-remote-code (a warning), vLLM's underscore spellings, --hf-overrides on a bi-encoder
// (vLLM's Matryoshka keys make `dimensions` work) and --chat-template as the chat template for
// `messages` on a bi-encoder (it used to reach the model loader, which refused it).
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CliError } from "../../src/cli/cli-error.js";
import { dashedFlags } from "../../src/cli/program.js";
import { chatTemplateTarget, checkTaskAndRunner, maxLengthOf, planHfOverrides, servedModelOf } from "../../src/cli/serve-vllm-flags.js";
import { modelDir } from "../local/helpers.js";
import { spawnCli } from "./run-cli.js";

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

/** Starts serve; resolves its URL and a getter for everything it wrote to stderr so far. */
async function serve(args: string[]): Promise<{ url: string; stderr: () => string }> {
  const child = spawnCli(["serve", "--port", "0", "--workers", "1", "--threads", "1", ...args]);
  children.push(child);
  let err = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /^rerank-kit: serving .* on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { url, stderr: () => err };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field
async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const refusal = (fn: () => unknown): CliError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    return error as CliError;
  }
  throw new Error("not refused");
};

describe("vLLM's serve flags, resolved", () => {
  it("takes the model positionally or by --model, once", () => {
    expect(servedModelOf("org/m", undefined)).toBe("org/m");
    expect(servedModelOf(undefined, "org/m")).toBe("org/m");
    expect(servedModelOf("org/m", "org/m")).toBe("org/m");
    expect(refusal(() => servedModelOf(undefined, undefined)).message).toMatch(/rerank-kit serve MODEL/);
    expect(refusal(() => servedModelOf("a/b", "c/d")).message).toMatch(/given twice/);
  });

  it("reads --max-model-len as --max-length and refuses a contradiction", () => {
    expect(maxLengthOf(undefined, 64)).toBe(64);
    expect(maxLengthOf(64, 64)).toBe(64);
    expect(maxLengthOf(32, undefined)).toBe(32);
    expect(refusal(() => maxLengthOf(32, 64)).message).toMatch(/--max-model-len 64 contradicts --max-length 32/);
  });

  it("checks --task and --runner against the model", () => {
    checkTaskAndRunner({ task: "embed", runner: "pooling" }, "bi-encoder");
    checkTaskAndRunner({ task: "classify" }, "cross-encoder");
    checkTaskAndRunner({ task: "score" }, "late-interaction");
    expect(refusal(() => checkTaskAndRunner({ task: "embed" }, "cross-encoder")).message).toBe(
      "--task embed needs a bi-encoder model; this model is a cross-encoder",
    );
    expect(refusal(() => checkTaskAndRunner({ task: "generate" }, "cross-encoder")).message).toMatch(/--task generate/);
    expect(refusal(() => checkTaskAndRunner({ runner: "generate" }, "cross-encoder")).message).toMatch(/--runner generate: rerank-kit serves pooling models only/);
  });

  it("splits --hf-overrides: Matryoshka keys for the server, head keys for the loader, the rest reported", () => {
    expect(planHfOverrides('{"is_matryoshka": true}', "bi-encoder")).toEqual({ loader: undefined, matryoshka: true, ignored: [] });
    expect(planHfOverrides('{"matryoshka_dimensions": [256], "architectures": ["X"]}', "bi-encoder")).toEqual({
      loader: undefined,
      matryoshka: [256],
      ignored: ["architectures"],
    });
    const head = planHfOverrides('{"classifier_from_token": ["no", "yes"], "architectures": ["Qwen3ForSequenceClassification"]}', undefined);
    expect(JSON.parse(head.loader!)).toEqual({ classifier_from_token: ["no", "yes"], architectures: ["Qwen3ForSequenceClassification"] });
    expect(refusal(() => planHfOverrides("{nope", "bi-encoder")).message).toMatch(/JSON object/);
    expect(refusal(() => planHfOverrides('{"matryoshka_dimensions": [0]}', "bi-encoder")).message).toMatch(/positive integers/);
  });

  it("refuses a missing model and a contradicting --max-model-len with the whole message", () => {
    expect(refusal(() => servedModelOf(undefined, undefined)).message).toBe("serve: name the model: rerank-kit serve MODEL (or --model MODEL)");
    expect(refusal(() => maxLengthOf(128, 512)).message).toBe("--max-model-len 512 contradicts --max-length 128; they are the same limit");
  });

  it("lets --task embed through when the model's family could not be read here (the worker's load checks it)", () => {
    expect(() => checkTaskAndRunner({ task: "embed" }, undefined)).not.toThrow();
    expect(() => checkTaskAndRunner({ task: "classify" }, undefined)).not.toThrow();
  });

  it("refuses --hf-overrides JSON that is not an object (a list, null, a number, a string), quoting it", () => {
    for (const json of ["[256]", "null", "3", '"is_matryoshka"', "true"]) {
      expect(refusal(() => planHfOverrides(json, "bi-encoder")).message).toBe(
        `--hf-overrides must be a JSON object such as '{"is_matryoshka": true}', got ${json}`,
      );
    }
    expect(refusal(() => planHfOverrides("{nope", "bi-encoder")).message).toBe(
      `--hf-overrides must be a JSON object such as '{"is_matryoshka": true}', got {nope`,
    );
  });

  it("refuses an is_matryoshka that is not a boolean, and matryoshka_dimensions that are not a non-empty list of positive integers", () => {
    expect(refusal(() => planHfOverrides('{"is_matryoshka": "yes"}', "bi-encoder")).message).toBe(
      '--hf-overrides: is_matryoshka must be true or false, got "yes"',
    );
    for (const dims of ["[]", "[256, 0]", "[0]", "[-64]", "[1.5]", '"256"', "256"]) {
      expect(refusal(() => planHfOverrides(`{"matryoshka_dimensions": ${dims}}`, "bi-encoder")).message).toBe(
        `--hf-overrides: matryoshka_dimensions must be a list of positive integers, got ${JSON.stringify(JSON.parse(dims))}`,
      );
    }
  });

  it("takes matryoshka_dimensions: null (Sentence Transformers' unset value) as no list, keeping is_matryoshka", () => {
    expect(planHfOverrides('{"is_matryoshka": true, "matryoshka_dimensions": null}', "bi-encoder")).toEqual({
      loader: undefined,
      matryoshka: true,
      ignored: [],
    });
    expect(planHfOverrides('{"matryoshka_dimensions": [64, 128]}', "bi-encoder")).toEqual({ loader: undefined, matryoshka: [64, 128], ignored: [] });
  });

  it("sends a head key to the loader with the keys beside it for a known family too, reporting none as ignored", () => {
    expect(planHfOverrides('{"method": "from_2_way_softmax", "architectures": ["X"]}', "cross-encoder")).toEqual({
      loader: '{"method":"from_2_way_softmax","architectures":["X"]}',
      matryoshka: undefined,
      ignored: [],
    });
    // Only Matryoshka keys on an LLM reranker: nothing for its loader.
    expect(planHfOverrides('{"is_matryoshka": false}', undefined)).toEqual({ loader: undefined, matryoshka: false, ignored: [] });
  });

  it("sends --chat-template to the server for encoders and to the loader for rerankers", () => {
    expect(chatTemplateTarget("bi-encoder")).toBe("server");
    expect(chatTemplateTarget("late-interaction")).toBe("server");
    expect(chatTemplateTarget("cross-encoder")).toBe("loader");
    expect(chatTemplateTarget(undefined)).toBe("loader");
  });

  it("spells --hf_overrides as --hf-overrides, names only, never values or what follows --", () => {
    expect(dashedFlags(["node", "rk", "serve", "m", "--hf_overrides", '{"is_matryoshka":true}', "--max_model_len=8", "--", "--a_b"])).toEqual([
      "node", "rk", "serve", "m", "--hf-overrides", '{"is_matryoshka":true}', "--max-model-len=8", "--", "--a_b",
    ]);
  });
});

describe("rerank-kit serve MODEL with vLLM's flags", () => {
  it("serves a bi-encoder with its chat template and Matryoshka dimensions from --hf-overrides", async () => {
    const dir = await modelDir("bi-encoder-mean");
    const template = join(mkdtempSync(join(tmpdir(), "rk-chat-")), "chat.jinja");
    writeFileSync(template, "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}");
    const { url, stderr } = await serve([
      dir,
      "--max_model_len", "24",
      "--trust-remote-code",
      "--hf_overrides", '{"matryoshka_dimensions": [4], "architectures": ["BertModel"]}',
      "--chat-template", template,
    ]);
    expect(stderr()).toMatch(/--trust-remote-code has no effect/);
    expect(stderr()).toMatch(/--hf-overrides architectures: no effect here/);
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ max_model_len: number }> };
    expect(models.data[0]!.max_model_len).toBe(24);

    const four = await post(`${url}/v1/embeddings`, { input: "hello world", dimensions: 4 });
    expect(four.status).toBe(200);
    expect(four.body.data[0].embedding).toHaveLength(4);
    const three = await post(`${url}/v1/embeddings`, { input: "hello world", dimensions: 3 });
    expect(three.status).toBe(400);
    expect(three.body.error.message).toMatch(/only supports Matryoshka dimensions \[4\]/);

    const messages = [{ role: "user", content: "hello world" }];
    const chat = await post(`${url}/v1/embeddings`, { messages });
    expect(chat.status).toBe(200);
    // As vLLM: a rendered chat adds no special tokens beyond what the template writes.
    const rendered = await post(`${url}/v1/embeddings`, { input: "user: hello world\n", add_special_tokens: false });
    expect(chat.body.data[0].embedding).toEqual(rendered.body.data[0].embedding);
    const pooled = await post(`${url}/pooling`, { messages });
    expect(pooled.status).toBe(200);
    expect(pooled.body.data[0].data).toEqual(rendered.body.data[0].embedding);
  }, 60_000);

  it("refuses a reranker preset as a bi-encoder's chat template, naming why", async () => {
    const dir = await modelDir("bi-encoder-mean");
    await expect(serve([dir, "--chat-template", "qwen3-reranker"])).rejects.toThrow(/qwen3-reranker is a reranker's score template; a bi-encoder takes a Jinja chat template/);
  }, 60_000);
});
