/**
 * External data is read only inside the model folder, only from regular files, only within the
 * declared ranges (ONNX Runtime's own policy), and a graph with external data opens without
 * writing into its folder. The LM-head rewrite of the tiny Qwen3 causal LM (weights in
 * model.onnx_data) is the reader under test; each folder is a hostile copy of it.
 */
import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ModelLoadError } from "../../src/index.js";
import { checkExternalData } from "../../src/local/files/external-data.js";
import { rewriteLmHeadToScore } from "../../src/local/runtime/lm-head-rewrite.js";
import { parseModel } from "../../src/local/runtime/onnx-proto.js";

const CELL = join(import.meta.dirname, "..", "golden", "decoders", "qwen3-causal-lm");
const golden = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as { token_ids: number[] };
const [YES, NO] = golden.token_ids as [number, number];
const SPEC = { rows: [{ tokenId: YES, coefficient: 1 }, { tokenId: NO, coefficient: -1 }] };
const GRAPH = readFileSync(join(CELL, "external", "model.onnx"));
const DATA = join(CELL, "external", "model.onnx_data");
const CHILD = join(import.meta.dirname, "children", "open-rewritten.ts");

const root = mkdtempSync(join(tmpdir(), "rerank-kit-external-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A model folder `root/<name>/model/external` whose graph names `location` (15 bytes, as the original's). */
function folder(name: string, location = "model.onnx_data"): string {
  expect(Buffer.byteLength(location)).toBe(15);
  const dir = join(root, name, "model", "external");
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(CELL, "config.json"), join(dir, "..", "config.json"));
  writeFileSync(join(dir, "model.onnx"), Buffer.from(GRAPH.toString("latin1").replaceAll("model.onnx_data", location), "latin1"));
  return dir;
}

const rewrite = (dir: string) => () =>
  rewriteLmHeadToScore(new Uint8Array(readFileSync(join(dir, "model.onnx"))), SPEC, { externalDataDir: dir, source: "model.onnx" });

/** Rewrites and opens in a child process (as `uid` when given): "ok" or "Name: message". */
function child(dir: string, uid?: number): Promise<string> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", CHILD, dir, JSON.stringify([YES, NO])], { timeout: 20_000, ...(uid !== undefined && { uid, gid: uid }) }, (error, stdout) =>
      resolve(error?.killed ? "timed out" : stdout),
    );
  });
}

describe("external data containment", () => {
  it("refuses a location that climbs out of the model folder, though the outside file exists", () => {
    const dir = folder("climb", "../../secret.bn");
    copyFileSync(DATA, join(dir, "..", "..", "secret.bn")); // the bytes an attacker wants read
    expect(rewrite(dir)).toThrow(ModelLoadError);
    expect(rewrite(dir)).toThrow('model.onnx: external data of tensor model.model.embed_tokens.weight (location "../../secret.bn") leads outside the model folder');
  });

  it("refuses an absolute location", () => {
    const dir = folder("absolute", "/tmp/secret.bin");
    expect(rewrite(dir)).toThrow(/location "\/tmp\/secret.bin"\) is an absolute path/);
  });

  it("refuses a symlink inside the folder that resolves outside it", () => {
    const dir = folder("symlink");
    copyFileSync(DATA, join(root, "symlink", "outside.bin"));
    symlinkSync(join(root, "symlink", "outside.bin"), join(dir, "model.onnx_data"));
    expect(rewrite(dir)).toThrow(/\(location "model.onnx_data"\) is a link that leads outside the model folder/);
  });

  it("follows a symlink that stays inside the folder", () => {
    const dir = folder("inner-link");
    mkdirSync(join(dir, "blobs"));
    copyFileSync(DATA, join(dir, "blobs", "data.bin"));
    symlinkSync(join(dir, "blobs", "data.bin"), join(dir, "model.onnx_data"));
    expect(rewrite(dir)()).toBeInstanceOf(Uint8Array);
  });

  it("refuses declared ranges past the end of the file", () => {
    const dir = folder("short");
    copyFileSync(DATA, join(dir, "model.onnx_data"));
    truncateSync(join(dir, "model.onnx_data"), 1000);
    const tensors = parseModel(new Uint8Array(readFileSync(join(dir, "model.onnx"))), "model.onnx").initializers;
    expect(() => checkExternalData(tensors, dir, "model.onnx")).toThrow(/declares bytes \d+\.\.\d+, outside the file's 1000 bytes/);
    expect(rewrite(dir)).toThrow(ModelLoadError);
  });

  it("refuses a FIFO instead of blocking the process on it", async () => {
    const dir = folder("fifo");
    await new Promise((resolve, reject) => execFile("mkfifo", [join(dir, "model.onnx_data")], (e) => (e ? reject(e) : resolve(undefined))));
    expect(await child(dir)).toBe('ModelLoadError: model.onnx: external data of tensor model.model.embed_tokens.weight (location "model.onnx_data") is not a regular file');
  }, 30_000);
});

describe("a graph with external data in a read-only folder", () => {
  it.skipIf(process.getuid?.() !== 0)("opens with nothing written into the folder (it wrote a temporary graph there: EACCES)", async () => {
    const dir = folder("read-only");
    copyFileSync(DATA, join(dir, "model.onnx_data"));
    for (const d of [dir, join(dir, ".."), join(dir, "..", "..")]) chmodSync(d, 0o555);
    chmodSync(root, 0o755);
    // root ignores permissions, so the reader runs as nobody (65534).
    expect(await child(dir, 65534)).toBe("ok");
    expect(readdirSync(dir).sort()).toEqual(["model.onnx", "model.onnx_data"]);
  }, 30_000);
});
