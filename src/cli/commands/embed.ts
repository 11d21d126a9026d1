import { Option, type Command } from "commander";
import { has } from "../../contracts/capabilities.js";
import type { EmbedKind } from "../../contracts/embedder.js";
import { CliError } from "../cli-error.js";
import { addModelFlags, loadOptions, type ModelFlags } from "../model-options.js";
import { positiveInteger } from "../parsers.js";
import { maxLineBytesOption, streamTexts } from "../stream-texts.js";
import { writeLines } from "../write-lines.js";

interface EmbedFlags extends ModelFlags {
  input: string;
  kind: EmbedKind;
  dimensions?: number;
  batchSize: number;
  maxLineBytes: number;
  sparse?: boolean;
  topK?: number;
}

/**
 * Registers `rerank-kit embed`: prints one JSON line `{"index","embedding"}` per input line, in
 * input order, as each batch completes. `index` is the 0-based line number; a blank line gives
 * `"embedding": null`, an unreadable line `"embedding": null` and an `"error"` (exit 1 at the end).
 * With `--sparse` (SPLADE, inference-free SPLADE, bge-m3) each line is `{"index","indices","values"}`.
 */
export function registerEmbed(program: Command): void {
  const command = program
    .command("embed")
    .description("embed texts with a bi-encoder and print one JSON line per input line, streaming")
    .option("-i, --input <file|->", "texts: JSONL with a \"text\" field, or plain lines; - = stdin", "-")
    .addOption(new Option("--kind <kind>", "embed as queries or documents").choices(["query", "document"]).default("document"))
    .option("--dimensions <n>", "Matryoshka: keep the first N dimensions", positiveInteger)
    .option("--batch-size <n>", "texts per model call (bounds memory)", positiveInteger, 2048)
    .addOption(maxLineBytesOption())
    .option("--sparse", "sparse vectors (SPLADE, bge-m3): {index, indices, values} lines")
    .option("--top-k <n>", "with --sparse: keep the N heaviest entries", positiveInteger);
  addModelFlags(command).action(async (flags: EmbedFlags) => {
    // Heavy modules load only when the command runs, so --help and flag errors stay fast.
    const { loadScorer } = await import("../../local/load-scorer.js");
    const scorer = await loadScorer(flags.model, await loadOptions(flags));
    try {
      if (flags.sparse) return await embedSparse(scorer, flags);
      if (flags.topK !== undefined) throw new CliError("--top-k needs --sparse");
      if (!has(scorer, "embed")) {
        throw new CliError(`${flags.model} is a ${scorer.scoreType} model; embed needs a bi-encoder`);
      }
      await streamTexts({ input: flags.input, batchSize: flags.batchSize, maxLineBytes: flags.maxLineBytes, label: "embed", stdin: process.stdin }, async (batch) => {
        const vectors =
          batch.texts.length === 0
            ? []
            : await scorer.embed(batch.texts, {
                kind: flags.kind,
                ...(flags.dimensions && { dimensions: flags.dimensions }),
                ...(batch.onProgress && { onProgress: batch.onProgress }),
              });
        let next = 0;
        const lines = batch.records.map((r) => {
          if ("text" in r) return JSON.stringify({ index: r.index, embedding: Array.from(vectors[next++] as Float32Array) });
          return JSON.stringify({ index: r.index, embedding: null, ...("error" in r && { error: r.error }) });
        });
        await writeLines(process.stdout, lines);
      });
    } finally {
      await scorer.close();
    }
  });
}

/** `embed --sparse`: one `{"index","indices","values"}` line per input line (null for a blank one). */
async function embedSparse(scorer: unknown, flags: EmbedFlags): Promise<void> {
  if (!has(scorer, "sparseEmbed")) {
    throw new CliError(`${flags.model} has no sparse output; embed --sparse needs a SPLADE or bge-m3 model`);
  }
  await streamTexts({ input: flags.input, batchSize: flags.batchSize, maxLineBytes: flags.maxLineBytes, label: "embed", stdin: process.stdin }, async (batch) => {
    const vectors =
      batch.texts.length === 0
        ? []
        : await scorer.embedSparse(batch.texts, {
            kind: flags.kind,
            ...(flags.topK && { topK: flags.topK }),
            ...(batch.onProgress && { onProgress: batch.onProgress }),
          });
    let next = 0;
    const lines = batch.records.map((r) => {
      if (!("text" in r)) return JSON.stringify({ index: r.index, indices: null, values: null, ...("error" in r && { error: r.error }) });
      const v = vectors[next++];
      return JSON.stringify({ index: r.index, indices: Array.from(v?.indices ?? []), values: Array.from(v?.values ?? []) });
    });
    await writeLines(process.stdout, lines);
  });
}
