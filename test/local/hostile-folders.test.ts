/**
 * Model folders built to hurt: model files are read bounded (regular files only, JSON files at
 * most 64 MiB), and a broken folder is a ModelLoadError naming the file, never a raw TypeError,
 * a RangeError or the first bytes of whatever a symlink points at.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelLoadError } from "../../src/index.js";
import { loadScorer } from "../../src/local/index.js";
import { MAX_JSON_BYTES } from "../../src/local/files/bounded-read.js";
import { modelDir } from "./helpers.js";

let temp: string;
let source: string;
beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), "rerank-kit-hostile-"));
  source = await modelDir("bi-encoder-mean");
});
afterAll(() => rmSync(temp, { recursive: true, force: true }));

let n = 0;
function copy(): string {
  const dir = join(temp, `m${n++}`);
  cpSync(source, dir, { recursive: true });
  return dir;
}

async function loadError(dir: string): Promise<Error> {
  const error = await loadScorer(dir, { threads: 1 }).then(
    async (s) => {
      await s.close();
      return undefined;
    },
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error("expected the load to fail");
  return error;
}

describe("model files are read bounded", () => {
  it("refuses an ONNX graph that is a link to /dev/zero instead of reading it until memory runs out", async () => {
    const dir = copy();
    rmSync(join(dir, "onnx", "model.onnx"));
    symlinkSync("/dev/zero", join(dir, "onnx", "model.onnx"));
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toBe(`Cannot read the ONNX graph: ${join(dir, "onnx", "model.onnx")} is not a regular file`);
  });

  it.each(["tokenizer.json", "config.json", "modules.json"])("refuses %s as a link to /dev/zero before reading a byte", async (name) => {
    const dir = copy();
    rmSync(join(dir, name));
    symlinkSync("/dev/zero", join(dir, name));
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toBe(`Cannot read ${name}: ${join(dir, name)} is not a regular file`);
  });

  it("refuses a JSON file larger than 64 MiB by its size", async () => {
    const dir = copy();
    writeFileSync(join(dir, "tokenizer.json"), Buffer.alloc(MAX_JSON_BYTES + 1, 0x20));
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toBe(`Cannot read tokenizer.json: ${join(dir, "tokenizer.json")} is ${MAX_JSON_BYTES + 1} bytes, more than the ${MAX_JSON_BYTES} bytes such a file can hold`);
  });
});

describe("broken folders are ModelLoadErrors", () => {
  it.each([
    ["config.json", "null", "holds null, not a JSON object"],
    ["config.json", "[1, 2]", "holds a list, not a JSON object"],
    ["tokenizer_config.json", "42", "holds a number, not a JSON object"],
    ["modules.json", '{"0": {"type": "x", "path": ""}}', "holds an object, not a list of modules"],
    ["modules.json", "[null]", 'entry 0 is null, not an object with a string "type" and "path"'],
    ["modules.json", '[{"idx": 0, "path": ""}]', 'entry 0 is an object, not an object with a string "type" and "path"'],
  ])("%s = %s", async (name, text, why) => {
    const dir = copy();
    writeFileSync(join(dir, name), text);
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toContain(`${join(dir, name)} ${why}`);
  });

  it.skipIf(!existsSync("/etc/passwd"))("a JSON parse error names the position, not the bytes a symlink points at", async () => {
    const dir = copy();
    rmSync(join(dir, "config.json"));
    symlinkSync("/etc/passwd", join(dir, "config.json"));
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toMatch(new RegExp(`^Unreadable config\\.json: .*config\\.json is not valid JSON( \\(error at byte \\d+\\))?$`));
    expect(error.message).not.toContain("root");
    expect(String(error.cause ?? "")).not.toContain("root");
  });
});

describe("model ids in the caller's words", () => {
  it("a pasted Hub page URL names the id to pass instead of becoming a folder path", async () => {
    const error = await loadError("https://huggingface.co/Xenova/ms-marco-MiniLM-L-6-v2/tree/main");
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toBe('https://huggingface.co/Xenova/ms-marco-MiniLM-L-6-v2/tree/main is the model\'s Hugging Face page; pass its id "Xenova/ms-marco-MiniLM-L-6-v2"');
  });

  it("a mistyped folder without ./ that the Hub cannot answer says it was taken for a Hub id", async () => {
    const error = (await loadScorer("modelz/my-reranker", { hubUrl: "http://127.0.0.1:9" }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toContain(`(no folder ${join(process.cwd(), "modelz", "my-reranker")} exists, so "modelz/my-reranker" was taken for a Hub id)`);
  });
});
