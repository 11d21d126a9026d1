import { InvalidArgumentError, type Command } from "commander";
import { addModelFlags, loadOptions, type ModelFlags } from "../model-options.js";
import { integer, positiveInteger } from "../parsers.js";
import { maxLineBytesOption, streamTexts } from "../stream-texts.js";
import { TopN, type Scored } from "../top-n.js";
import { writeLines } from "../write-lines.js";

interface RerankFlags extends ModelFlags {
  query: string;
  topN?: number;
  input: string;
  batchSize: number;
  maxLineBytes: number;
  instruction?: string;
  chatTemplateKwargs?: Record<string, unknown>;
}

function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError("Not a JSON object.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError("Not a JSON object.");
  return parsed as Record<string, unknown>;
}

/**
 * Registers `rerank-kit rerank`: one JSON line `{"index","score","text"}` per document. Without
 * `--top-n` lines stream in input order as batches complete (memory bounded by the batch); with
 * `--top-n N` the N best are printed best first at the end (memory bounded by N plus a batch).
 */
export function registerRerank(program: Command): void {
  const command = program
    .command("rerank")
    .description("score documents against a query; one JSON line per document (input order, or the best N with --top-n)")
    .requiredOption("-q, --query <text>", "the query")
    .option("-n, --top-n <n>", "print only the best N, best first (0 = all, in input order)", integer)
    .option("-i, --input <file|->", "documents: JSONL with a \"text\" field, or plain lines; - = stdin", "-")
    .option("--batch-size <n>", "documents per model call (bounds memory)", positiveInteger, 2048)
    .addOption(maxLineBytesOption())
    .option("--instruction <text>", "instruction for instruction-aware rerankers (Qwen3-Reranker, mxbai-rerank-v2)")
    .option("--chat-template-kwargs <json>", "more score-template variables, as vLLM's chat_template_kwargs", jsonObject);
  addModelFlags(command).action(async (flags: RerankFlags) => {
    // Heavy modules load only when the command runs, so --help and flag errors stay fast.
    const { loadScorer } = await import("../../local/load-scorer.js");
    const scorer = await loadScorer(flags.model, await loadOptions(flags));
    const best = flags.topN ? new TopN(flags.topN) : undefined;
    try {
      await streamTexts({ input: flags.input, batchSize: flags.batchSize, maxLineBytes: flags.maxLineBytes, label: "rerank", stdin: process.stdin }, async (batch) => {
        const scores =
          batch.texts.length === 0
            ? []
            : await scorer.score(flags.query, batch.texts, {
                ...(batch.onProgress && { onProgress: batch.onProgress }),
                ...(flags.instruction !== undefined && { instruction: flags.instruction }),
                ...(flags.chatTemplateKwargs && { chatTemplateKwargs: flags.chatTemplateKwargs }),
              });
        let next = 0;
        const lines: string[] = [];
        for (const r of batch.records) {
          if ("text" in r) {
            const scored: Scored = { index: r.index, score: scores[next++] as number, text: r.text };
            if (best) best.add(scored);
            else lines.push(JSON.stringify(scored));
          } else if (!best) {
            lines.push(JSON.stringify({ index: r.index, score: null, text: null, ...("error" in r && { error: r.error }) }));
          }
        }
        await writeLines(process.stdout, lines);
      }, async () => {
        if (best) await writeLines(process.stdout, best.sorted().map((s) => JSON.stringify(s)));
      });
    } finally {
      await scorer.close();
    }
  });
}
