/**
 * Each family declares its capabilities once (`static capabilities`), which types the worker
 * proxy of `fromPretrained({ worker: true })`: the declaration must match what the scorer really
 * has in process and what its worker reports.
 */
import { afterAll, describe, expect, it } from "vitest";
import { BiEncoderScorer, CrossEncoderScorer, LateInteractionScorer, WorkerScorer, capabilitiesOf, has, type Scorer } from "../../src/index.js";
import { modelDir } from "./helpers.js";

const open: Scorer[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});
function keep<T extends Scorer>(scorer: T): T {
  open.push(scorer);
  return scorer;
}

describe("family capability declarations", () => {
  it.each([
    ["cross-encoder", CrossEncoderScorer],
    ["bi-encoder-mean", BiEncoderScorer],
    ["colbert-pylate", LateInteractionScorer],
  ] as const)("%s: declared = in process = reported by its worker", async (name, family) => {
    const dir = await modelDir(name);
    // One signature for the three families' loaders (each is typed with its own options).
    const load = family.fromPretrained as (dir: string, options?: { worker: true }) => Promise<Scorer>;
    const inProcess = keep(await load(dir));
    const inWorker = keep(await load(dir, { worker: true })) as WorkerScorer;
    expect(capabilitiesOf(inProcess)).toEqual([...family.capabilities]);
    expect(inWorker).toBeInstanceOf(WorkerScorer);
    expect(capabilitiesOf(inWorker)).toEqual([...family.capabilities]);
    expect(inWorker.capabilities).toEqual([...family.capabilities]);
  });

  it("a cross-encoder classifies in a worker as in process, per-call options included", async () => {
    const dir = await modelDir("cross-encoder");
    const inProcess = keep(await CrossEncoderScorer.fromPretrained(dir));
    const inWorker = keep(await CrossEncoderScorer.fromPretrained(dir, { worker: true }));
    expect(has(inWorker, "classify")).toBe(true);
    const texts = ["paris is the capital of france.", "bread needs yeast"];
    const raw = await inWorker.classify(texts, { activation: false });
    const expectedRaw = await inProcess.classify(texts, { activation: false });
    expect(raw.classifications.map((c) => c.probs)).toEqual(expectedRaw.classifications.map((c) => c.probs));
    // Raw logits are what activation false returns: the activated answer differs from them.
    const activated = await inWorker.classify(texts);
    expect(activated.classifications.map((c) => c.probs)).toEqual((await inProcess.classify(texts)).classifications.map((c) => c.probs));
    expect(activated.classifications[0]?.probs).not.toEqual(raw.classifications[0]?.probs);
  });
});
