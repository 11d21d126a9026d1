/**
 * Child process of bench/sparse.ts: loads a static model with `loadScorer`, embeds `count`
 * passages in one call, then prints its peak RSS, so the figure is that of a process doing only
 * this (the bench's own process has loaded other models by then). The bench runs it bundled to
 * plain JavaScript with plain `node`, as a user's compiled program runs: under tsx, the loader and
 * its compile cache add ~35 MB that no user process has.
 *
 *     node --import tsx bench/static-rss.ts <static model folder> <count>
 */
import { readFileSync } from "node:fs";
import { loadScorer } from "../src/index.js";
import { makeWorkload } from "./workload.js";

const [dir, count] = process.argv.slice(2);
if (!dir) throw new Error("usage: static-rss.ts <folder> [count]");
const rss = () => process.memoryUsage.rss() / 2 ** 20;
const passages = makeWorkload(Number(count ?? 5000), 20, 80, 11).documents;
const baseMb = rss();
const scorer = await loadScorer(dir);
if (!("embed" in scorer)) throw new Error(`${dir} is not an embedding model`);
const loadedMb = rss();
const vectors = await scorer.embed(passages);
if (vectors.length !== passages.length) throw new Error("wrong count");
await scorer.close();
console.log(JSON.stringify({ peakMb: peakRssMb(), baseMb, loadedMb }));

/**
 * This process's own peak RSS. On Linux, /proc/self/status VmHWM: the high-water mark of the
 * address space exec() created. Not resourceUsage().maxRSS: exec() folds the forked copy of the
 * parent's address space into it, so a child of the bench process (hundreds of MB by then) reports
 * at least the parent's RSS at spawn time (seen: 355-372 MB against 185 MB measured alone).
 * Elsewhere maxRSS, with that caveat.
 */
function peakRssMb(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // Not Linux: fall through to maxRSS.
  }
  return process.resourceUsage().maxRSS / 1024;
}
