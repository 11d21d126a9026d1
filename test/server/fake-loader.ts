/** A `loadScorer` for worker tests: builds the fakes from `fakes.ts` inside the worker. */
import { ModelLoadError } from "../../src/errors/model-load-error.js";
import { FakeBiEncoder, FakeScorer, type FakeOptions } from "./fakes.js";

export async function loadScorer(idOrPath: string, options: FakeOptions & { kind?: string }): Promise<FakeScorer> {
  if (idOrPath === "missing") throw new ModelLoadError("No model at missing", { path: "missing" });
  return options.kind === "bi" ? new FakeBiEncoder(options) : new FakeScorer(options);
}
