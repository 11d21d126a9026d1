/**
 * ONNX Runtime's memory options, applied to every session this process opens by wrapping
 * onnxruntime-node's `InferenceSession.create` (the bench measures them before the product
 * exposes any). Reachable from Node 1.30: `enableCpuMemArena` (the CPU arena keeps the largest
 * block it ever needed) and `enableMemPattern` (pre-planned buffers per input shape). Not
 * reachable: the run option `memory.enable_memory_arena_shrinkage` (the binding's
 * `ParseRunOptions` reads only log level, tag and terminate; `runOptions.extra` is dropped
 * silently, see `arenaShrinkageReachable`) and per-session arena limits (`OrtArenaCfg`, not in
 * the Node API).
 */
import { loadOnnxRuntime } from "../src/local/runtime/onnx-session.js";

/** The variants and what each sets. */
export const ARENA_VARIANTS = {
  default: "rerank-kit's defaults (arena on, memory pattern on)",
  "arena-off": "enableCpuMemArena: false",
  "pattern-off": "enableMemPattern: false",
  "arena+pattern-off": "enableCpuMemArena: false, enableMemPattern: false",
} as const;

/** One of {@link ARENA_VARIANTS}. */
export type ArenaVariant = keyof typeof ARENA_VARIANTS;

const SESSION_OPTIONS: Record<ArenaVariant, Record<string, unknown>> = {
  default: {},
  "arena-off": { enableCpuMemArena: false },
  "pattern-off": { enableMemPattern: false },
  "arena+pattern-off": { enableCpuMemArena: false, enableMemPattern: false },
};

type Create = (model: unknown, options?: Record<string, unknown>) => Promise<unknown>;

/** Makes every session opened after this call use `variant`'s options. */
export async function applyArenaVariant(variant: ArenaVariant): Promise<void> {
  if (variant === "default") return;
  const ort = await loadOnnxRuntime();
  const session = ort.InferenceSession as unknown as { create: Create };
  const create = session.create.bind(session);
  session.create = (model, options) => create(model, { ...options, ...SESSION_OPTIONS[variant] });
}
