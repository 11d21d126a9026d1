/**
 * Child process of bench/sparse.ts: loads a static model and embeds `count` passages, then prints
 * its peak RSS, so the figure is that of a process doing only this (the bench's own process has
 * loaded other models by then).
 *
 *     node --import tsx bench/static-rss.ts <static model folder> <count>
 */
import { loadScorer } from "../src/index.js";
import { peakRssMb } from "./measure.js";
import { makeWorkload } from "./workload.js";

const [dir, count] = process.argv.slice(2);
if (!dir) throw new Error("usage: static-rss.ts <folder> [count]");
// Current RSS, not the peak, before loading: tsx's transpiling of the sources peaks before the
// model is opened and would hide the model's own cost.
const rss = () => process.memoryUsage.rss() / 2 ** 20;
const baseMb = rss();
const scorer = await loadScorer(dir);
if (!("embed" in scorer)) throw new Error(`${dir} is not an embedding model`);
const passages = makeWorkload(Number(count ?? 5000), 20, 80, 11).documents;
let afterMb = rss();
for (let i = 0; i < 3; i++) {
  await scorer.embed(passages);
  afterMb = Math.max(afterMb, rss());
}
await scorer.close();
console.log(JSON.stringify({ peakMb: peakRssMb(), baseMb, afterMb }));
