import { closeSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveScoreTemplate } from "../../templates/resolve.js";
import { specialTokens } from "../../templates/special-tokens.js";
import type { ScoreTemplate } from "../../templates/score-template.js";
import type { ScoreTemplatePresetName } from "../../templates/presets.js";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { openRegularFile } from "../files/bounded-read.js";
import type { ModelFiles } from "../files/model-files.js";

/**
 * The largest template file read: 1 MiB, for a folder's chat_template.jinja and the CLI's
 * `--chat-template` file alike (real chat templates are a few KB, tool-calling ones about 10 KB).
 */
export const MAX_TEMPLATE_BYTES = 1024 * 1024;

/** Reads a folder's template file bounded: a regular file (never a FIFO or a device) of at most 1 MiB. */
function readTemplateFile(file: string): string {
  const { fd, size } = openRegularFile(file, "chat_template.jinja");
  try {
    if (size > MAX_TEMPLATE_BYTES) {
      throw new ModelLoadError(`Cannot read chat_template.jinja: ${file} is ${size} bytes, more than the ${MAX_TEMPLATE_BYTES} bytes a template can hold`, { path: file });
    }
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * The score template of a model: the caller's option (`false`: none), the folder's score
 * template, then `preset`.
 * @throws {InvalidInputError} when the caller's template does not parse.
 */
export function modelScoreTemplate(
  files: ModelFiles,
  option: string | false | undefined,
  preset: ScoreTemplatePresetName | undefined,
): ScoreTemplate | undefined {
  if (option === false) return undefined;
  const file = join(files.dir, "chat_template.jinja");
  return resolveScoreTemplate({
    option,
    folderFile: existsSync(file) ? readTemplateFile(file) : undefined,
    tokenizerConfig: files.tokenizerConfig["chat_template"],
    preset,
    specialTokens: specialTokens(files.tokenizerConfig),
  });
}
