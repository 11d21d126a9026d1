import { Command, CommanderError } from "commander";
import { VERSION } from "../server/version.js";
import { CliError, oneLine } from "./cli-error.js";
import { registerConvert } from "./commands/convert.js";
import { registerEmbed } from "./commands/embed.js";
import { registerQuantize } from "./commands/quantize.js";
import { registerRerank } from "./commands/rerank.js";
import { registerServe } from "./commands/serve.js";

/**
 * Runs the `rerank-kit` CLI on `argv` (as `process.argv`) and resolves to its exit code:
 * 0 on success (and for `--help` / `--version`), 2 for bad flags or arguments (bare
 * `rerank-kit` without a command included: commander prints the help on stderr, as for any usage
 * error), 1 for runtime failures, which are reported as one line on stderr.
 */
export async function run(argv: string[]): Promise<number> {
  const program = new Command("rerank-kit")
    .description("second-stage reranking and embeddings: serve vLLM's score API, or rerank/embed from the shell")
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  registerServe(program);
  registerRerank(program);
  registerEmbed(program);
  registerConvert(program);
  registerQuantize(program);
  try {
    await program.parseAsync(dashedFlags(argv));
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // "commander.help" is the help commander prints when no command was given: a usage error.
      return ["commander.helpDisplayed", "commander.version"].includes(error.code) ? 0 : 2;
    }
    process.stderr.write(`rerank-kit: error: ${oneLine(error)}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}

/**
 * `--hf_overrides` as `--hf-overrides`: vLLM's parser takes either spelling, and its own tests
 * and scripts use both. Only flag names change (before any `=`); values are left as they are.
 */
export function dashedFlags(argv: string[]): string[] {
  const end = argv.indexOf("--", 2);
  return argv.map((arg, i) => {
    // argv[0..1] are node and the script; after a bare `--` everything is an argument.
    if (i < 2 || (end >= 0 && i >= end) || !arg.startsWith("--")) return arg;
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg : arg.slice(0, eq);
    return name.replace(/_/g, "-") + (eq < 0 ? "" : arg.slice(eq));
  });
}
