/**
 * How the CLI reads `--input`: lines end at `\n` (as `wc -l` counts them), the input is opened
 * once (a FIFO or a pipe is read as it comes), and one line is bounded by `--max-line-bytes`.
 */
import { execFile, execFileSync } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { InvalidArgumentError } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CliError } from "../../src/cli/cli-error.js";
import { DEFAULT_MAX_LINE_BYTES, cannotRead, countLines, readRecords, type InputRecord } from "../../src/cli/read-input.js";
import { maxLineBytesOption, streamTexts } from "../../src/cli/stream-texts.js";
import { ensureTestModels } from "../fixtures/index.js";

let dir: string;
beforeAll(async () => {
  // The real path, so the open-descriptor check below can compare /proc/self/fd links with it.
  dir = await realpath(await mkdtemp(join(tmpdir(), "rerank-kit-read-input-")));
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

/** Runs of the open-descriptor test so far, for a fresh file name each time. */
let closedRuns = 0;

describe("readRecords, line by line", () => {
  it("reads a whitespace-only line as blank and an indented JSON object as its text", async () => {
    expect(await records([' \t\n  {"text":"a"}\n'])).toEqual([
      { index: 0, blank: true },
      { index: 1, text: "a" },
    ]);
  });

  it("drops a byte order mark before the first line only", async () => {
    expect(await records(["\uFEFFone\n\uFEFFtwo\n"])).toEqual([
      { index: 0, text: "one" },
      { index: 1, text: "\uFEFFtwo" },
    ]);
  });

  it("reads a stream of strings (an encoding set on it) as it reads bytes", async () => {
    const out: InputRecord[] = [];
    for await (const r of readRecords("-", Readable.from(["a\nb", "c\n"]))) out.push(r);
    expect(out).toEqual([
      { index: 0, text: "a" },
      { index: 1, text: "bc" },
    ]);
  });

  it("accepts a line of exactly maxLineBytes bytes whose \\n comes in the next chunk", async () => {
    expect(await records(["0123456789", "\n"], 10)).toEqual([{ index: 0, text: "0123456789" }]);
  });

  it("names the file, not (stdin), when a line of a file is too long", async () => {
    const file = join(dir, "long.txt");
    await writeFile(file, "abc\n0123456789x\n");
    const read = async () => {
      for await (const r of readRecords(file, Readable.from([]), 10)) void r;
    };
    await expect(read()).rejects.toThrow(`--input ${file}: line 2 is longer than 10 bytes (--max-line-bytes)`);
  });

  it("closes the input file once it is read", async () => {
    // A fresh name per run: a handle left open by an earlier run in the same process must not count.
    const file = join(dir, `closed-${++closedRuns}.txt`);
    await writeFile(file, "a\nb\n");
    for await (const r of readRecords(file, Readable.from([]))) void r;
    const openOnFile = (): string[] =>
      readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === file;
        } catch {
          return false; // the descriptor readdir itself used, gone by now
        }
      });
    // The stream closes its handle just after its end, asynchronously.
    for (let i = 0; i < 100 && openOnFile().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(openOnFile()).toEqual([]);
  });

  it("cannotRead says 'no such file' only for ENOENT, else the error code, else the error itself", () => {
    expect(cannotRead("in.txt", Object.assign(new Error("nope"), { code: "ENOENT" })).message).toBe("cannot read --input in.txt: no such file");
    expect(cannotRead("in.txt", Object.assign(new Error("nope"), { code: "EACCES" })).message).toBe("cannot read --input in.txt: EACCES");
    expect(cannotRead("in.txt", new Error("boom")).message).toBe("cannot read --input in.txt: Error: boom");
  });
});

describe("countLines (the progress bar's total)", () => {
  it.each([
    ["a\nb\n", 2],
    ["a\nb", 2],
    ["\n", 1],
    ["", 0],
  ])("counts %j as %i lines, as readRecords splits it", async (content, n) => {
    const file = join(dir, `count-${n}-${content.length}.txt`);
    await writeFile(file, content);
    expect(await countLines(file)).toBe(n);
  });

  it("a missing file is the CLI's one-line error, not zero lines", async () => {
    const missing = join(dir, "missing.txt");
    const error = await countLines(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe(`cannot read --input ${missing}: no such file`);
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

  it("accepts exactly 256 MiB, names the limit past it, and shows the default in MiB in --help", () => {
    const option = maxLineBytesOption();
    expect(option.parseArg?.("268435456", undefined)).toBe(268_435_456);
    expect(() => option.parseArg?.("268435457", undefined)).toThrow("At most 268435456 (256 MiB).");
    expect(option.defaultValueDescription).toBe("16777216 (16 MiB)");
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

describe("streamTexts on a terminal", () => {
  const RESTORE = "\u001b[?25h\u001b[?7h";
  /** Runs `fn` with stderr looking like a terminal, returning what was written to it. */
  async function onTerminal(fn: () => Promise<void>): Promise<string> {
    const tty = process.stderr.isTTY;
    const written: string[] = [];
    Object.defineProperty(process.stderr, "isTTY", { value: true, configurable: true });
    const write = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    try {
      await fn();
    } finally {
      write.mockRestore();
      Object.defineProperty(process.stderr, "isTTY", { value: tty, configurable: true });
    }
    return written.join("");
  }

  it("says how to end typed input only when reading standard input, not a named file", async () => {
    const file = join(dir, "named.txt");
    await writeFile(file, "a\n");
    const stdin = Object.assign(Readable.from([]), { isTTY: true });
    const text = await onTerminal(() => streamTexts({ input: file, batchSize: 8, label: "embed", stdin }, async () => undefined));
    expect(text).not.toContain("reading texts from the terminal");
  });

  it("hands the work one call per batch, none empty, and moves the bar by input lines inside and after each batch", async () => {
    const batches: string[][] = [];
    vi.useFakeTimers({ toFake: ["Date"] });
    let text: string;
    try {
      text = await onTerminal(() =>
        streamTexts({ input: "-", batchSize: 2, label: "embed", stdin: Readable.from(["a\nb\nc\nd\n"]) }, async (batch) => {
          batches.push(batch.texts);
          // A second later, so the bar redraws at once (it draws at most every 200 ms).
          vi.setSystemTime(Date.now() + 1000);
          batch.onProgress?.({ done: 1, total: 2 });
        }),
      );
    } finally {
      vi.useRealTimers();
    }
    expect(batches).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
    const shown = [...text.matchAll(/embed (-?\d+) lines/g)].map((m) => Number(m[1]));
    // One line into the second batch is line 3; the end shows all 4.
    expect(shown).toContain(1);
    expect(shown).toContain(3);
    expect(shown.at(-1)).toBe(4);
    expect(text.endsWith(RESTORE)).toBe(true);
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
