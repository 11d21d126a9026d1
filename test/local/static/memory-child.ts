/** Child process of memory.test.ts: loads a static model, embeds, prints the peak RSS in bytes. */
import { readFileSync } from "node:fs";
import { StaticEmbedder } from "../../../src/local/static/static-embedder.js";

const model = await StaticEmbedder.load(process.argv[2] as string);
const vectors = await model.embed(["the capital of france is paris", "how many people live in the city"]);
if (vectors[0]?.length !== model.dimensions) throw new Error("wrong width");
// This process's own peak: VmHWM on Linux. resourceUsage().maxRSS (kilobytes) also counts the
// forked copy of the parent (the vitest worker) that exec() replaced; it is the fallback elsewhere.
const hwm = process.platform === "linux" ? /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] : undefined;
process.stdout.write(String((hwm ? Number(hwm) : process.resourceUsage().maxRSS) * 1024));
