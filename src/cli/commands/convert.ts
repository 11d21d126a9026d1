import { InvalidArgumentError, Option, type Command } from "commander";
import { DTYPES, type Dtype } from "../../local/options.js";
import { CliError } from "../cli-error.js";
import { readChatTemplate } from "../model-options.js";

interface ConvertFlags {
  model: string;
  out: string;
  classifierFromTokens?: string[];
  method?: "from_2_way_softmax" | "no_post_processing";
  chatTemplate?: string;
  /** False with --no-template. */
  template: boolean;
  dtype?: Dtype;
  revision?: string;
  cacheDir?: string;
  localFilesOnly?: boolean;
}

function tokenList(value: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('Not a JSON array of strings, e.g. \'["no","yes"]\'.');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((t) => typeof t === "string")) {
    throw new InvalidArgumentError('Not a JSON array of strings, e.g. \'["no","yes"]\'.');
  }
  return parsed as string[];
}

/**
 * Registers `rerank-kit convert`: vLLM's convert_model_to_seq_cls.py for ONNX causal LMs, writing a
 * one-label reranker folder.
 */
export function registerConvert(program: Command): void {
  program
    .command("convert")
    .description("turn a causal-LM reranker (Qwen3-Reranker, mxbai-rerank-v2, bge-reranker-v2-gemma) into a one-label ONNX classifier folder")
    .requiredOption("-m, --model <id|folder>", "Hugging Face model id or local folder (ONNX causal LM)")
    .requiredOption("-o, --out <folder>", "folder to write")
    .option("--classifier-from-tokens <json>", 'tokens as in vLLM, e.g. \'["no","yes"]\' (false token first); default: the model\'s preset', tokenList)
    .addOption(new Option("--method <method>", "how the token rows combine").choices(["from_2_way_softmax", "no_post_processing"]))
    .option("--chat-template <file|preset>", "score template to write as chat_template.jinja (file, Jinja text or preset name); default: the model's own, then its preset")
    .option("--no-template", "write the folder without a score template when the model has none (it then scores raw texts)")
    .addOption(new Option("--dtype <dtype>", "weights to convert").choices(DTYPES))
    .option("--revision <rev>", "Hub revision")
    .option("--cache-dir <dir>", "Hub download cache")
    .option("--local-files-only", "never download; use the cache or folder only")
    .action(async (flags: ConvertFlags) => {
      if (!flags.template && flags.chatTemplate !== undefined) {
        // A CliError: commander prints its own errors only while parsing, so an InvalidArgumentError
        // thrown here ended the run with exit 2 and no message.
        throw new CliError("--chat-template and --no-template contradict each other; keep one", 2);
      }
      const { convertLlmReranker } = await import("../../local/llm-reranker/convert.js");
      const result = await convertLlmReranker(flags.model, {
        out: flags.out,
        classifierFromTokens: flags.classifierFromTokens,
        method: flags.method,
        scoreTemplate: !flags.template ? false : flags.chatTemplate === undefined ? undefined : await readChatTemplate(flags.chatTemplate),
        ...(flags.dtype && { dtype: flags.dtype }),
        ...(flags.revision && { revision: flags.revision }),
        ...(flags.cacheDir && { cacheDir: flags.cacheDir }),
        ...(flags.localFilesOnly && { localFilesOnly: true }),
      });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
}
