import { InvalidArgumentError, type Command } from "commander";
import { addModelFlags, loadOptions, type ModelFlags } from "../model-options.js";
import { integer } from "../parsers.js";
import { progressBar } from "../progress.js";
import { readTexts } from "../read-input.js";

interface RerankFlags extends ModelFlags {
  query: string;
  topN?: number;
  input: string;
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

/** Registers `rerank-kit rerank`: ranks documents from a file or stdin, prints JSON. */
export function registerRerank(program: Command): void {
  const command = program
    .command("rerank")
    .description("rank documents against a query and print the results as JSON")
    .requiredOption("-q, --query <text>", "the query")
    .option("-n, --top-n <n>", "keep the best N (0 = all)", integer)
    .option("-i, --input <file|->", "documents: JSONL with a \"text\" field, or plain lines; - = stdin", "-")
    .option("--instruction <text>", "instruction for instruction-aware rerankers (Qwen3-Reranker, mxbai-rerank-v2)")
    .option("--chat-template-kwargs <json>", "more score-template variables, as vLLM's chat_template_kwargs", jsonObject);
  addModelFlags(command).action(async (flags: RerankFlags) => {
    // Heavy modules load only when the command runs, so --help and flag errors stay fast.
    const { loadScorer } = await import("../../local/load-scorer.js");
    const documents = await readTexts(flags.input, process.stdin);
    const scorer = await loadScorer(flags.model, await loadOptions(flags));
    const bar = progressBar(documents.length, "rerank");
    try {
      const { results, usage } = await scorer.rerankWithUsage(flags.query, documents, {
        topN: flags.topN,
        onProgress: bar.onProgress,
        ...(flags.instruction !== undefined && { instruction: flags.instruction }),
        ...(flags.chatTemplateKwargs && { chatTemplateKwargs: flags.chatTemplateKwargs }),
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
