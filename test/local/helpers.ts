/**
 * Helpers for the local-core parity tests. Token ids for the references come from the
 * `@huggingface/tokenizers` library directly (not from rerank-kit's pair encoder), and special
 * tokens are placed by hand, so a bug in rerank-kit's encoding cannot hide in both sides.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { buildWeights, ensureTestModels, TEST_MODELS, type BertWeights } from "../fixtures/index.js";

/** bert-base-uncased special ids, fixed by the vocabulary. */
export const CLS = 101;
export const SEP = 102;
export const MASK = 103;
export const UNUSED0 = 1;
export const UNUSED1 = 2;

/** Absolute folder of a named test model (generated on demand). */
export async function modelDir(name: string): Promise<string> {
  const dirs = await ensureTestModels();
  const dir = dirs[name];
  if (!dir) throw new Error(`no test model ${name}`);
  return dir;
}

/** The seeded weights of a named test model, for the naive reference forward pass. */
export function weightsOf(name: string): BertWeights {
  const spec = TEST_MODELS[name];
  if (!spec) throw new Error(`no test model ${name}`);
  return buildWeights(spec);
}

/** Raw token ids (no special tokens) from the library tokenizer of a model folder. */
export function rawIds(dir: string): (text: string) => number[] {
  const tok = new Tokenizer(
    JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")),
    JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")),
  );
  return (text) => tok.encode(text, { add_special_tokens: false }).ids;
}

/** Largest absolute difference between two equal-length lists. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** Prose long enough to exceed the tiny models' 128-token limit. */
export const LONG_DOC =
  "The capital of France is Paris, a city on the Seine known for its museums, its cafes and its long " +
  "history as a centre of art, fashion and science. Millions of visitors arrive every year to see the " +
  "Eiffel Tower, the Louvre, Notre Dame and the narrow streets of the Latin Quarter, while the people " +
  "who live there commute by metro, bicycle and bus across twenty districts. The region around the " +
  "city produces food, wine and cheese, and its universities train engineers, doctors and teachers " +
  "who later work all over the country and abroad. Rivers, parks and gardens give the city green space " +
  "in summer, and in winter the lights along the boulevards make the evenings bright and busy.";

/** Queries and documents of mixed lengths. */
export const QUERY = "what is the capital of france?";
export const DOCS = [
  "paris is the capital of france.",
  "berlin is the capital of germany, and it is a large city.",
  "the weather is lovely today!",
  LONG_DOC,
  "france",
];
