/**
 * Shared pieces of the ported vLLM online tests: the tiny generated models, and references that
 * import nothing from src/ (a minifloat decoder, cosine, MaxSim, sigmoid).
 */
import { afterAll } from "vitest";
import { loadScorer, type LocalScorer } from "../../../src/local/index.js";
import { createServer, type CreateServerOptions, type RerankServer } from "../../../src/server/index.js";
import { ensureTestModels } from "../../fixtures/index.js";

let models: Record<string, string> | undefined;
const loaded: LocalScorer[] = [];

const servers: RerankServer[] = [];

afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(loaded.splice(0).map((s) => s.close()));
});

/** Starts a server on 127.0.0.1 (free port) shared by a file's tests; closed after the file. */
export async function startShared(options: CreateServerOptions): Promise<{ url: string; server: RerankServer }> {
  const server = createServer(options);
  servers.push(server);
  const { url } = await server.listen({ port: 0 });
  return { url, server };
}

/** Loads a tiny test model in process (closed after the file). */
export async function tiny(name: string, options: Record<string, unknown> = {}): Promise<LocalScorer> {
  models ??= await ensureTestModels();
  const scorer = await loadScorer(models[name] as string, { threads: 1, ...options });
  loaded.push(scorer);
  return scorer;
}

/** Decodes one IEEE-style minifloat (no infinities when `fn`), independent of the server's encoder. */
export function decodeMinifloat(code: number, ebits: number, mbits: number, fn = false): number {
  const bias = 2 ** (ebits - 1) - 1;
  const sign = code >> (ebits + mbits) ? -1 : 1;
  const e = (code >> mbits) & ((1 << ebits) - 1);
  const m = code & ((1 << mbits) - 1);
  const maxE = (1 << ebits) - 1;
  if (!fn && e === maxE) return m ? NaN : sign * Infinity;
  if (fn && e === maxE && m === (1 << mbits) - 1) return NaN;
  if (e === 0) return sign * m * 2 ** (1 - bias - mbits);
  return sign * (1 + m / 2 ** mbits) * 2 ** (e - bias);
}

/** Decodes vLLM's binary embedding bytes (`binary2tensor`) for one dtype and byte order. */
export function decodeTensor(bytes: Buffer, dtype: string, endianness: string): number[] {
  const little = endianness === "native" ? new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 : endianness === "little";
  const out: number[] = [];
  const size = dtype === "float32" ? 4 : dtype === "float16" || dtype === "bfloat16" ? 2 : 1;
  for (let i = 0; i < bytes.length; i += size) {
    if (dtype === "float32") out.push(little ? bytes.readFloatLE(i) : bytes.readFloatBE(i));
    else if (dtype === "float16") out.push(decodeMinifloat(little ? bytes.readUInt16LE(i) : bytes.readUInt16BE(i), 5, 10));
    else if (dtype === "bfloat16") out.push(decodeMinifloat(little ? bytes.readUInt16LE(i) : bytes.readUInt16BE(i), 8, 7));
    else if (dtype === "fp8_e4m3") out.push(decodeMinifloat(bytes[i] as number, 4, 3, true));
    else out.push(decodeMinifloat(bytes[i] as number, 5, 2));
  }
  return out;
}

/** Cosine similarity. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

/** vLLM's `check_embeddings_close`: every pair's cosine similarity is at least 1 - tol. */
export function expectEmbeddingsClose(a: number[][], b: number[][], tol: number): void {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  a.forEach((x, i) => {
    const sim = cosine(x, b[i] as number[]);
    if (!(sim >= 1 - tol)) throw new Error(`embedding ${i}: cosine ${sim} < ${1 - tol}`);
  });
}

/** MaxSim: for each query row, the best dot product over document rows, summed. */
export function maxSim(query: number[][], doc: number[][]): number {
  return query.reduce((sum, q) => sum + Math.max(...doc.map((d) => d.reduce((s, v, k) => s + v * (q[k] as number), 0))), 0);
}

/** The logistic function. */
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** L2 normalization. */
export function normalize(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
