import { ModelLoadError } from "../errors/model-load-error.js";
import { POOLING_MODES, type PoolingMode } from "../scoring/pooling.js";

/** A Pooling module's settings, whichever sentence-transformers version wrote them. */
export interface PoolingConfig {
  /** Modes in concatenation order (one in practice). */
  modes: PoolingMode[];
  /** False: prompt tokens are left out of pooling (`include_prompt`). */
  includePrompt: boolean;
  /** Token embedding width the module expects, if the config says. */
  dimension: number | undefined;
}

/** sentence-transformers <= 5 boolean keys, in the order 6.x concatenates them. */
const LEGACY_KEYS: readonly [string, PoolingMode][] = [
  ["pooling_mode_cls_token", "cls"],
  ["pooling_mode_max_tokens", "max"],
  ["pooling_mode_mean_tokens", "mean"],
  ["pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens"],
  ["pooling_mode_weightedmean_tokens", "weightedmean"],
  ["pooling_mode_lasttoken", "lasttoken"],
];

/**
 * Reads `1_Pooling/config.json` in either format: sentence-transformers 6's
 * `{"embedding_dimension", "pooling_mode": "mean" | [...], "include_prompt"}` or the older
 * boolean `pooling_mode_*` keys with `word_embedding_dimension`. As in 6.x, `pooling_mode` wins
 * when both are present, and a legacy config with no mode enabled means mean pooling.
 * @param path the file, named in errors
 * @throws {ModelLoadError} naming the file, the value and the supported modes for an unknown mode.
 */
export function parsePoolingConfig(cfg: Record<string, unknown>, path: string): PoolingConfig {
  const dimension = num(cfg["embedding_dimension"]) ?? num(cfg["word_embedding_dimension"]);
  const includePrompt = cfg["include_prompt"] !== false;
  const raw = cfg["pooling_mode"];
  let modes: PoolingMode[];
  if (raw !== undefined) {
    const list = Array.isArray(raw) ? (raw as unknown[]) : [raw];
    if (list.length === 0) throw unknownMode(path, raw);
    modes = list.map((m) => {
      if (typeof m !== "string" || !(POOLING_MODES as readonly string[]).includes(m)) throw unknownMode(path, m);
      return m as PoolingMode;
    });
  } else {
    modes = LEGACY_KEYS.filter(([key]) => cfg[key] === true).map(([, mode]) => mode);
    if (modes.length === 0) modes = ["mean"];
  }
  return { modes, includePrompt, dimension };
}

function unknownMode(path: string, value: unknown): ModelLoadError {
  return new ModelLoadError(
    `${path}: unsupported pooling_mode ${JSON.stringify(value)}; supported: ${POOLING_MODES.join(", ")}`,
    { path },
  );
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}
