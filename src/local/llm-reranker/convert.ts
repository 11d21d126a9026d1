import { scoreTemplateOption } from "../option-rules.js";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { InvalidOptionError } from "../../errors/invalid-option-error.js";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { MAX_JSON_BYTES, MAX_ONNX_BYTES, readRegularFile } from "../files/bounded-read.js";
import { checkExternalData } from "../files/external-data.js";
import { loadModelFiles, onnxFileFor } from "../files/model-files.js";
import type { CrossEncoderOptions } from "../options.js";
import { rewriteLmHeadToScore } from "../runtime/lm-head-rewrite.js";
import { parseModel } from "../runtime/onnx-proto.js";
import { TextTokenizer } from "../tokenization/text-tokenizer.js";
import { tokenChoice, type ScoreMethod } from "./hf-overrides.js";
import { llmRerankerPreset } from "./presets.js";
import { headFromTokens } from "./score-head.js";
import { modelScoreTemplate } from "./template-source.js";

/** Options of {@link convertLlmReranker}. */
export interface ConvertOptions extends Pick<CrossEncoderOptions, "dtype" | "onnxFile" | "revision" | "cacheDir" | "localFilesOnly" | "accessToken" | "hubUrl"> {
  /** Folder to write. Created if missing; existing files of the same names are replaced. */
  out: string;
  /** `["no", "yes"]` (false token first) for `from_2_way_softmax`, one token for `no_post_processing`. */
  classifierFromTokens?: string[] | undefined;
  /** How the rows combine. @default from the token count (2 -> from_2_way_softmax) */
  method?: ScoreMethod | undefined;
  /**
   * Score template written as `chat_template.jinja`: preset name or Jinja source. `false` writes a
   * folder without one (it then scores raw texts). Without a template from here, the folder or a
   * preset, convert refuses: the converted model would score the raw texts silently.
   * @default the folder's, then the preset
   */
  scoreTemplate?: string | false | undefined;
  /** @deprecated The 0.x name of `scoreTemplate` (the same value). */
  chatTemplate?: string | undefined;
}

/** What {@link convertLlmReranker} wrote. */
export interface ConvertResult {
  /** The output folder. */
  out: string;
  /** The ONNX file written, relative to `out`. */
  onnxFile: string;
  /** The head's token ids and coefficients. */
  rows: Array<{ tokenId: number; coefficient: number }>;
  /** Where the template came from, or undefined when none was written. */
  template: string | undefined;
}

const COPIED = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"];

/**
 * vLLM's `convert_model_to_seq_cls.py` without Python: turns a causal LM (Hub id or folder, ONNX)
 * into a one-label reranker folder. The ONNX graph's LM head is replaced by the classifier row
 * (`W[true] - W[false]` for `from_2_way_softmax`, `W[token]` for `no_post_processing`) applied at
 * the last position; `config.json` says `*ForSequenceClassification` with one label; the score
 * template is written as `chat_template.jinja`. {@link loadScorer} loads the result as a
 * cross-encoder whose logits equal the original's token-logit difference.
 *
 * @throws {InvalidInputError} for a token count that does not fit the method.
 * @throws {ModelLoadError} when the model is not a causal LM, a token is not in the vocabulary,
 *   or the head cannot be rewritten.
 */
export async function convertLlmReranker(model: string, options: ConvertOptions): Promise<ConvertResult> {
  const files = await loadModelFiles(model, options);
  const architectures = (files.config["architectures"] as string[] | undefined) ?? [];
  const causal = architectures.find((a) => a.endsWith("ForCausalLM"));
  if (!causal) {
    throw new ModelLoadError(`${files.dir}: convert needs a causal LM (*ForCausalLM), config.json says ${JSON.stringify(architectures)}`, {
      path: join(files.dir, "config.json"),
    });
  }
  const preset = llmRerankerPreset(files.id);
  const choice = tokenChoice(
    options.classifierFromTokens
      ? { classifier_from_token: options.classifierFromTokens, ...(options.method && { method: options.method }) }
      : (preset?.overrides ?? {}),
  );
  if (!choice) {
    throw new InvalidInputError("convert needs classifierFromTokens (e.g. [\"no\",\"yes\"]) for a model without a preset", {
      field: "classifierFromTokens",
    });
  }
  const tokenizer = new TextTokenizer(files.tokenizerJson, files.tokenizerConfig, join(files.dir, "tokenizer.json"));
  const head = headFromTokens(choice, (t) => tokenizer.tokenToId(t), files.dir);
  const templateOption = scoreTemplateOption(options);
  const template = modelScoreTemplate(files, templateOption, preset?.template);
  if (!template && templateOption !== false) {
    throw new InvalidOptionError(
      `convert: ${files.id} has no score template (no chat_template.jinja, no chat_template in tokenizer_config.json, no preset for this id), ` +
        `so the converted folder would score raw texts; pass scoreTemplate (CLI: --chat-template <file|preset>, e.g. qwen3-reranker), ` +
        `or scoreTemplate: false (CLI: --no-template) to write it without one`,
      { option: "scoreTemplate", allowed: "a preset name, a Jinja source, or false" },
    );
  }

  const onnxFile = onnxFileFor(options.dtype, options.onnxFile);
  const sourceDir = dirname(files.onnxPath);
  const rewritten = rewriteLmHeadToScore(await readRegularFile(files.onnxPath, "the ONNX graph", MAX_ONNX_BYTES), head, { externalDataDir: sourceDir, source: files.onnxPath });
  // Checked before anything is written: inside the model folder, regular files, ranges in bounds.
  const external = checkExternalData(parseModel(rewritten, files.onnxPath).initializers, sourceDir, files.onnxPath);
  await mkdir(join(options.out, dirname(onnxFile)), { recursive: true });
  await writeFile(join(options.out, onnxFile), rewritten);
  // External weights stay where the graph points: beside it, under the locations it names.
  for (const data of external) {
    const to = join(options.out, dirname(onnxFile), data.location);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(data.path, to);
  }
  for (const name of COPIED) {
    const from = join(files.dir, name);
    if (existsSync(from)) await writeFile(join(options.out, name), await readRegularFile(from, name, MAX_JSON_BYTES));
  }
  const config = {
    ...files.config,
    architectures: [causal.replace(/ForCausalLM$/, "ForSequenceClassification")],
    num_labels: 1,
    id2label: { "0": "LABEL_0" },
    label2id: { LABEL_0: 0 },
    // Provenance only: vLLM would convert again if `method` / `classifier_from_token` stayed.
    rerank_kit_conversion: { from: files.id, classifier_from_token: choice.tokens, method: choice.method, rows: head.rows },
  } as Record<string, unknown>;
  delete config["classifier_from_token"];
  delete config["method"];
  delete config["is_original_qwen3_reranker"];
  await writeFile(join(options.out, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  if (template) await writeFile(join(options.out, "chat_template.jinja"), template.source);
  return { out: options.out, onnxFile, rows: head.rows, template: template?.name };
}
