/** Child process of memory.test.ts: loads a static model, embeds, prints the peak RSS in bytes. */
import { StaticEmbedder } from "../../../src/local/static/static-embedder.js";

const model = await StaticEmbedder.load(process.argv[2] as string);
const vectors = await model.embed(["the capital of france is paris", "how many people live in the city"]);
if (vectors[0]?.length !== model.dimensions) throw new Error("wrong width");
// resourceUsage().maxRSS is in kilobytes.
process.stdout.write(String(process.resourceUsage().maxRSS * 1024));
