import { ensureTestModels } from "../fixtures/index.js";

/** Vitest global setup: generates the tiny test models into `test/.models` when missing or outdated. */
export default async function setup(): Promise<void> {
  await ensureTestModels();
}
