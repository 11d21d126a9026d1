/**
 * The most whitespace a Jinja template may hold, as the sum over its runs of whitespace of each
 * run's length squared: 2^24 (16,777,216), one run of 4096 characters or 1024 runs of 128.
 *
 * Why squared: before lexing, @huggingface/jinja 0.5 strips its `{% generation %}` tags with the
 * regex `(\s*){%(-?)\s*(?:end)?generation\s*(-?)%}(\s*)`, which from every character of a run
 * of whitespace reads to the run's end and backtracks, so lexing costs about 1.2 ns times each
 * run's length squared (2-core AMD EPYC, Node 20): a 32 KiB run took 1.2 s of CPU, and the 1 MiB
 * a `chat_template.jinja` may hold would take about 20 minutes. The bound keeps lexing under
 * about 20 ms. Genuine templates are far below it: Qwen3's chat template (4 KB, runs of at most
 * 21 characters of indentation) costs 10,938.
 */
export const MAX_WHITESPACE_COST = 2 ** 24;

/** What {@link whitespaceCost} measures. */
export interface WhitespaceCost {
  /** The sum over the runs of whitespace of each run's length squared. */
  cost: number;
  /** The longest run, in characters. */
  longest: number;
  /** The 1-based line where the longest run starts. */
  line: number;
}

/**
 * Measures a template's runs of whitespace, in linear time. Whitespace is JavaScript's `\s`, the
 * class the library's regex backtracks over (so `\u00a0`, `\u2028` and `\ufeff` count too).
 */
export function whitespaceCost(source: string): WhitespaceCost {
  let cost = 0;
  let longest = 0;
  let start = 0;
  // `\s+` from each run's first character consumes the run and never backtracks.
  for (const match of source.matchAll(/\s+/g)) {
    const length = match[0].length;
    cost += length * length;
    if (length > longest) [longest, start] = [length, match.index];
  }
  let line = 1;
  for (let i = source.indexOf("\n"); i >= 0 && i < start; i = source.indexOf("\n", i + 1)) line++;
  return { cost, longest, line };
}

/**
 * Why a template cannot be lexed in bounded time, or undefined when it can: a description of its
 * whitespace for an error message. Templates under {@link MAX_WHITESPACE_COST} reach the library
 * unchanged, so this never alters what an accepted template renders.
 */
export function whitespaceProblem(source: string): string | undefined {
  if (source.length * source.length <= MAX_WHITESPACE_COST) return undefined;
  const { cost, longest, line } = whitespaceCost(source);
  if (cost <= MAX_WHITESPACE_COST) return undefined;
  return (
    `its runs of whitespace are too long to parse in bounded time (the longest is ${longest} characters, on line ${line}; ` +
    `the squares of the runs' lengths sum to ${cost}, more than the ${MAX_WHITESPACE_COST} allowed, ` +
    `because @huggingface/jinja's lexer takes time quadratic in a run's length)`
  );
}
