/**
 * The machine line every bench run prints first. Ratios against other engines depend on the CPU
 * (torch's MKL is slow on AMD; ONNX Runtime's int8 kernels use VNNI or AMX where they exist), so
 * a recorded run must say which CPU and which vector extensions it had.
 */
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

/** The vector extensions that change int8 and fp32 kernel choices, in the order they matter. */
const ISA_FLAGS = ["avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile", "amx_int8"] as const;

/** The ISA flags of {@link ISA_FLAGS} present in a `/proc/cpuinfo` text (first `flags` line). */
export function isaFlags(cpuinfo: string): string[] {
  const line = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1];
  if (line === undefined) return [];
  const present = new Set(line.trim().split(/\s+/));
  return ISA_FLAGS.filter((flag) => present.has(flag));
}

/** `CPU: <model> (<n> cores; avx2 avx512f ...), <GiB> GiB, Node <version>`, from this process's machine. */
export function machineLine(): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() || "unknown CPU";
  let flags: string[] = [];
  try {
    flags = isaFlags(readFileSync("/proc/cpuinfo", "utf8"));
  } catch {
    // Not Linux: the model name alone.
  }
  const isa = flags.length > 0 ? flags.join(" ") : "ISA flags unknown";
  return `CPU: ${model} (${cores.length} cores; ${isa}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}
