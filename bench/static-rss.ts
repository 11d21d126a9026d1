/**
 * Child process of bench/sparse.ts: loads a static model with `loadScorer`, embeds `count`
 * passages in one call, then prints its peak RSS, so the figure is that of a process doing only
 * this (the bench's own process has loaded other models by then). The bench runs it bundled to
 * plain JavaScript with plain `node`, as a user's compiled program runs: under tsx, the loader and
 * its compile cache add ~35 MB that no user process has.
 *
 *     node --import tsx bench/static-rss.ts <static model folder> <count>
 */
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
// resourceUsage().maxRSS (kilobytes) is the true peak, not a sample between calls.
console.log(JSON.stringify({ peakMb: process.resourceUsage().maxRSS / 1024, baseMb, loadedMb }));
