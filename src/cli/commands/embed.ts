import { Option, type Command } from "commander";
import { isEmbedder, type EmbedKind } from "../../types.js";
import { CliError } from "../cli-error.js";
import { addModelFlags, loadOptions, type ModelFlags } from "../model-options.js";
import { positiveInteger } from "../parsers.js";
import { progressBar } from "../progress.js";
import { readTexts } from "../read-input.js";

interface EmbedFlags extends ModelFlags {
  input: string;
  kind: EmbedKind;
  dimensions?: number;
}

/** Registers `rerank-kit embed`: prints one JSON line `{"index","embedding"}` per input text. */
export function registerEmbed(program: Command): void {
  const command = program
    .command("embed")
    .description("embed texts with a bi-encoder and print one JSON line per text")
    .option("-i, --input <file|->", "texts: JSONL with a \"text\" field, or plain lines; - = stdin", "-")
    .addOption(new Option("--kind <kind>", "embed as queries or documents").choices(["query", "document"]).default("document"))
    .option("--dimensions <n>", "Matryoshka: keep the first N dimensions", positiveInteger);
  addModelFlags(command).action(async (flags: EmbedFlags) => {
    // Heavy modules load only when the command runs, so --help and flag errors stay fast.
    const { loadScorer } = await import("../../local/load-scorer.js");
    const texts = await readTexts(flags.input, process.stdin);
    const scorer = await loadScorer(flags.model, await loadOptions(flags));
    const bar = progressBar(texts.length, "embed");
    try {
      if (!isEmbedder(scorer)) {
        throw new CliError(`${flags.model} is a ${scorer.scoreType} model; embed needs a bi-encoder`);
      }
      const vectors = await scorer.embed(texts, {
        kind: flags.kind,
        ...(flags.dimensions && { dimensions: flags.dimensions }),
        ...(bar.onProgress && { onProgress: bar.onProgress }),
      });
      bar.stop();
      const lines = vectors.map((v, index) => JSON.stringify({ index, embedding: Array.from(v) }));
      process.stdout.write(`${lines.join("\n")}\n`);
    } finally {
      bar.stop();
      await scorer.close();
    }
  });
}
