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
