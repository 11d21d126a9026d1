/**
 * A seeded benchmark workload: one query and documents of mixed, realistic lengths made of
 * common English words, so tokenization and padding behave as with real text.
 */

const WORDS = (
  "the of and to in is was for on that with as by at from his her it an were are which this be or have had " +
  "not their but its one first new more after also who they two has been other when there all during into school " +
  "time may years over only used most city world some where between later under state university made people " +
  "such then while many both would year three history second work part these water through each against well " +
  "national since known being can because early government found general small during same named area music " +
  "team system around united several number river large century public called based film within south north " +
  "center house station group family until without however including french german capital population museum " +
  "research company played country season series education program design model energy market language science"
).split(" ");

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded sentence soup of about `tokens` word tokens, with punctuation. */
function passage(random: () => number, tokens: number): string {
  const out: string[] = [];
  let sentence = 0;
  for (let i = 0; i < tokens; i++) {
    let w = WORDS[Math.floor(random() * WORDS.length)] as string;
    if (sentence === 0) w = w[0]!.toUpperCase() + w.slice(1);
    sentence++;
    if (sentence > 8 && random() < 0.15) {
      w += ".";
      sentence = 0;
    } else if (random() < 0.05) w += ",";
    out.push(w);
  }
  return out.join(" ");
}

/** The query and `count` documents whose lengths are drawn uniformly from `[minTokens, maxTokens]`. */
export function makeWorkload(count = 100, minTokens = 30, maxTokens = 400, seed = 42): { query: string; documents: string[] } {
  const random = mulberry32(seed);
  const documents = Array.from({ length: count }, () => passage(random, minTokens + Math.floor(random() * (maxTokens - minTokens + 1))));
  return { query: "what is the population of the capital city of the country", documents };
}

/** Caps that scale the mixed workload down for slow models (e.g. an LLM reranker on two cores). */
export interface MixLimits {
  /** Most documents per request (the unscaled mix goes to 200). @default 200 */
  maxDocuments?: number;
}

/**
 * Request `seed` of #23's mixed workload: mostly small requests (1-20 documents of 5-205 words),
 * every 7th a large one (100-200 documents) and every 5th with long documents (500-2000 words),
 * so the largest batch an arena ever needed keeps coming back. With `maxDocuments` the counts
 * scale down in proportion (at least 1); document lengths stay.
 */
export function mixedRequest(seed: number, limits: MixLimits = {}): { query: string; documents: string[] } {
  const count = seed % 7 === 0 ? 100 + (seed % 101) : 1 + (seed % 20);
  const words = seed % 5 === 0 ? 500 + ((seed * 37) % 1501) : 5 + ((seed * 13) % 200);
  const scale = Math.min(1, (limits.maxDocuments ?? 200) / 200);
  return makeWorkload(Math.max(1, Math.round(count * scale)), Math.max(5, words / 2), words, seed);
}
