/**
 * How the CLI reads `--input`: lines end at `\n` (as `wc -l` counts them), the input is opened
 * once (a FIFO or a pipe is read as it comes), and one line is bounded by `--max-line-bytes`.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { InvalidArgumentError } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError } from "../../src/cli/cli-error.js";
import { DEFAULT_MAX_LINE_BYTES, readRecords, type InputRecord } from "../../src/cli/read-input.js";
import { maxLineBytesOption, streamTexts } from "../../src/cli/stream-texts.js";
import { ensureTestModels } from "../fixtures/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rerank-kit-read-input-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function records(chunks: Array<string | Buffer>, maxLineBytes?: number): Promise<InputRecord[]> {
  const out: InputRecord[] = [];
  for await (const r of readRecords("-", Readable.from(chunks.map((c) => Buffer.from(c))), maxLineBytes)) out.push(r);
  return out;
}

describe("readRecords", () => {
  it("splits on \\n and \\r\\n only: a lone \\r stays in its line, so indices are wc -l line numbers", async () => {
    const text = "one\rstill one\ntwo\r\nthree\n";
    expect(execFileSync("wc", ["-l"], { input: text }).toString().trim()).toBe("3");
    expect(await records([text])).toEqual([
      { index: 0, text: "one\rstill one" },
      { index: 1, text: "two" },
      { index: 2, text: "three" },
    ]);
  });

  it("joins a line, a \\r\\n and a multi-byte character split across chunks", async () => {
    const bytes = Buffer.from("é\r\nxyz");
    expect(await records([bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3, 5), bytes.subarray(5)])).toEqual([
      { index: 0, text: "é" },
      { index: 1, text: "xyz" },
    ]);
  });

  it("ends with a CliError naming the line when a line is longer than maxLineBytes", async () => {
    expect(await records(["0123456789\n", "x"], 10)).toHaveLength(2);
    const error = await records(["short\n01234", "567890\n"], 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe(
      "--input (stdin): line 2 is longer than 10 bytes (--max-line-bytes); is it a text file with one text per line?",
    );
  });

  it("stops a line without an end at the default limit instead of growing the heap", async () => {
    const mib = Buffer.alloc(1024 * 1024, 0x61);
    async function* endless(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 1024; i++) yield mib; // 1 GiB if read whole
    }
    const read = async () => {
      for await (const r of readRecords("-", Readable.from(endless()))) void r;
    };
    await expect(read()).rejects.toThrow(`line 1 is longer than ${DEFAULT_MAX_LINE_BYTES} bytes`);
  });
});

describe("--max-line-bytes", () => {
  it("defaults to 16 MiB and refuses values past 256 MiB, where one line no longer fits a string", () => {
    const option = maxLineBytesOption();
    expect(option.defaultValue).toBe(16 * 1024 * 1024);
    expect(option.parseArg?.("1024", undefined)).toBe(1024);
    expect(() => option.parseArg?.(String(512 * 1024 * 1024), undefined)).toThrow(InvalidArgumentError);
    expect(() => option.parseArg?.("0", undefined)).toThrow(InvalidArgumentError);
  });
});

describe("streamTexts", () => {
  it("reads a named FIFO once, as it comes (it used to be read to its end to count lines, then hang)", async () => {
    const fifo = join(dir, "texts.fifo");
    execFileSync("mkfifo", [fifo]);
    const writer = writeFile(fifo, "alpha\nbeta\ngamma\n");
    const seen: string[] = [];
    const run = streamTexts({ input: fifo, batchSize: 2, label: "test", stdin: Readable.from([]) }, async (batch) => {
      seen.push(...batch.texts);
    });
    await Promise.all([run, writer]);
    expect(seen).toEqual(["alpha", "beta", "gamma"]);
  }, 10_000);

  it("still counts and reads a regular file", async () => {
    const file = join(dir, "texts.txt");
    await writeFile(file, "a\r\nb\rc\n");
    const seen: string[] = [];
    await streamTexts({ input: file, batchSize: 8, label: "test", stdin: Readable.from([]) }, async (batch) => {
      seen.push(...batch.texts);
    });
    expect(seen).toEqual(["a", "b\rc"]);
  });
});

describe("rerank-kit embed --input from a shell", () => {
  const MAIN = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
  const embed = async (input: string, pipe: string): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const models = await ensureTestModels();
    const cli = `"${process.execPath}" --import tsx "${MAIN}" embed --model "${models["bi-encoder-mean"]!}"`;
    return new Promise((resolve) => {
      execFile("bash", ["-c", `${pipe} ${cli} --input ${input}`], (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
      );
    });
  };
  const indices = (stdout: string) => stdout.trim().split("\n").map((l) => (JSON.parse(l) as { index: number }).index);

  it.each([
    ["a pipe as /dev/stdin", "/dev/stdin", "printf 'one\\rstill one\\ntwo\\n' |"],
    ["a process substitution <(...)", "<(printf 'one\\rstill one\\ntwo\\n')", ""],
  ])("reads %s once (it used to say the input holds no texts)", async (_name, input, pipe) => {
    const { code, stdout, stderr } = await embed(input, pipe);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(indices(stdout)).toEqual([0, 1]);
  }, 60_000);
});
