import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ModelLoadError } from "../../src/errors/model-load-error.js";
import { loadScorer } from "../../src/local/load-scorer.js";

// The README promises that a Dense module rerank-kit cannot compute exactly is a ModelLoadError,
// never a wrong score: an activation other than Identity / Tanh must be refused at load, not
// computed as Identity.
const CELL = join(import.meta.dirname, "..", "golden", "encoders", "bi", "bert-dense");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function withActivation(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), "rk-dense-"));
  dirs.push(dir);
  cpSync(CELL, dir, { recursive: true });
  const path = join(dir, "2_Dense", "config.json");
  const cfg = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  writeFileSync(path, JSON.stringify({ ...cfg, activation_function: name }));
  return dir;
}

describe("Dense module activations", () => {
  it.each(["torch.nn.modules.activation.GELU", "torch.nn.modules.activation.ReLU", "torch.nn.modules.activation.Sigmoid"])(
    "%s is a ModelLoadError naming the activation and the file",
    async (name) => {
      const err = await loadScorer(withActivation(name)).then(
        async (s) => {
          await s.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ModelLoadError);
      expect((err as Error).message).toContain(name);
      expect((err as Error).message).toMatch(/2_Dense[\\/]config\.json/);
    },
  );

  it("Identity and Tanh load (the two rerank-kit computes)", async () => {
    for (const name of ["torch.nn.modules.linear.Identity", "torch.nn.modules.activation.Tanh"]) {
      const scorer = await loadScorer(withActivation(name));
      await scorer.close();
    }
  });
});
