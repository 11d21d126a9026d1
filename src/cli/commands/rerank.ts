import type { Command } from "commander";
import { addModelFlags, loadOptions, type ModelFlags } from "../model-options.js";
import { integer } from "../parsers.js";
import { progressBar } from "../progress.js";
import { readTexts } from "../read-input.js";

interface RerankFlags extends ModelFlags {
  query: string;
  topN?: number;
  input: string;
}

/** Registers `rerank-kit rerank`: ranks documents from a file or stdin, prints JSON. */
export function registerRerank(program: Command): void {
  const command = program
    .command("rerank")
    .description("rank documents against a query and print the results as JSON")
    .requiredOption("-q, --query <text>", "the query")
    .option("-n, --top-n <n>", "keep the best N (0 = all)", integer)
    .option("-i, --input <file|->", "documents: JSONL with a \"text\" field, or plain lines; - = stdin", "-");
  addModelFlags(command).action(async (flags: RerankFlags) => {
    // Heavy modules load only when the command runs, so --help and flag errors stay fast.
    const { loadScorer } = await import("../../local/load-scorer.js");
    const documents = await readTexts(flags.input, process.stdin);
    const scorer = await loadScorer(flags.model, loadOptions(flags));
    const bar = progressBar(documents.length, "rerank");
    try {
      const { results, usage } = await scorer.rerankWithUsage(flags.query, documents, {
        topN: flags.topN,
        onProgress: bar.onProgress,
      });
      bar.stop();
      const out = {
        model: scorer.model,
        results: results.map((r) => ({ index: r.index, score: r.score, text: r.document })),
        usage: { prompt_tokens: usage.promptTokens, total_tokens: usage.totalTokens },
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } finally {
      bar.stop();
      await scorer.close();
    }
  });
}
