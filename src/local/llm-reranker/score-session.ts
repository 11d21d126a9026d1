/**
 * How an LLM reranker is loaded: its token head found (options, sentence-transformers' LogitScore
 * module, `config.json`, a known model's preset), then its graph opened, rewritten at load to
 * compute that head's score only when the rewrite recognizes the head.
 * @module
 */
import { join } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { readJson, type ModelFiles } from "../files/model-files.js";
import { sessionOptions } from "../family/open-session.js";
import type { CrossEncoderOptions } from "../options.js";
import { openRewrittenSession, rewriteLmHeadToScore } from "../runtime/lm-head-rewrite.js";
import type { OnnxSession } from "../runtime/onnx-session.js";
import { openGraphSession } from "../runtime/open-encoder-session.js";
import { readGraphLeavingWeightsOnDisk } from "../runtime/weights-on-disk.js";
import type { TextTokenizer } from "../tokenization/text-tokenizer.js";
import { parseHfOverrides, tokenChoice, type HfOverrides } from "./hf-overrides.js";
import { headFromLogitScore, headFromTokens, type ScoreHeadSpec } from "./score-head.js";

/** An LLM reranker's session, and whether its graph computes the score itself. */
export interface ScoreSession {
  session: OnnxSession;
  /** True when the graph was rewritten to output the score (last position, the head's rows). */
  rewritten: boolean;
}

/**
 * Opens the graph rewritten to compute only `head`'s score, or as exported with
 * `rewriteHead: false` or a head the rewrite does not recognize (full logits: exact, slower).
 * @throws {ModelLoadError} when ONNX Runtime rejects the graph or the rewrite fails otherwise.
 */
export async function openScoreSession(files: ModelFiles, options: CrossEncoderOptions, head: ScoreHeadSpec): Promise<ScoreSession> {
  const session = sessionOptions(files, options);
  if (options.rewriteHead === false) return { session: await openGraphSession(files.onnxPath, session), rewritten: false };
  // The graph is read without its large weights: they stay in the file, referenced by offset, and
  // ONNX Runtime reads them from there into its tensors (weights-on-disk.ts). No JavaScript copy of
  // the weights is resident while it builds them.
  const graph = readGraphLeavingWeightsOnDisk(files.onnxPath);
  const dir = graph.dir;
  let bytes: Uint8Array;
  try {
    // Fused-attention graphs pad on the right: the rewrite then reads each row where its mask ends.
    bytes = rewriteLmHeadToScore(graph.model, head, { externalDataDir: dir, source: files.onnxPath });
  } catch (cause) {
    // A head the rewrite does not recognize still scores exactly, only slower (full logits).
    if (!(cause instanceof ModelLoadError) || !/cannot rewrite the LM head/.test(cause.message)) throw cause;
    return { session: await openGraphSession(files.onnxPath, session), rewritten: false };
  }
  // int8 weights stay int8 on disk: where the CPU lacks VNNI, ONNX Runtime's own
  // `session.x64quantprecision` makes them uint8 as it loads them (see onnx-session.ts).
  const rewritten = await openRewrittenSession(bytes, { ...session, externalDataDir: dir, source: files.onnxPath });
  return { session: rewritten, rewritten: true };
}

/**
 * The token head an LLM reranker scores with: `hfOverrides` (vLLM's keys), else a LogitScore
 * module, else `classifier_from_token` in `config.json`, else the preset of a known Hub id.
 * @throws {ModelLoadError} when none gives a head, or a token is not in the vocabulary.
 */
export async function resolveHead(
  files: ModelFiles,
  options: CrossEncoderOptions,
  tokenizer: TextTokenizer,
  presetOverrides: HfOverrides | undefined,
): Promise<ScoreHeadSpec> {
  const tokenToId = (t: string) => tokenizer.tokenToId(t);
  if (options.hfOverrides !== undefined) {
    const choice = tokenChoice(parseHfOverrides(options.hfOverrides));
    if (choice) return withSource(headFromTokens(choice, tokenToId, files.dir), "hf_overrides");
  }
  const logitScore = files.modules?.find((m) => m.type.endsWith("LogitScore"));
  if (logitScore) {
    const dir = join(files.dir, logitScore.path);
    return headFromLogitScore(await readJson(dir, "config.json", true), join(dir, "config.json"));
  }
  const fromConfig = tokenChoice(parseHfOverrides(files.config as Record<string, unknown>));
  if (fromConfig) return withSource(headFromTokens(fromConfig, tokenToId, files.dir), "config.json");
  const fromPreset = presetOverrides && tokenChoice(presetOverrides);
  if (fromPreset) return withSource(headFromTokens(fromPreset, tokenToId, files.dir), `preset for ${files.id}`);
  throw new ModelLoadError(
    `${files.dir}: a causal LM needs a token head to rerank. Pass hfOverrides, e.g. ` +
      `'{"classifier_from_token":["no","yes"],"method":"from_2_way_softmax"}', or save it with a LogitScore module`,
    { path: files.dir },
  );
}

function withSource(head: ScoreHeadSpec, source: string): ScoreHeadSpec {
  return { ...head, description: `${source}: ${head.description}` };
}
