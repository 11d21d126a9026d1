/**
 * `err.name` must be the class's public name in the sources and in the bundle, where esbuild
 * renames classes (`_RerankKitError`), so `name === "RerankKitError"` checks and logs read right.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as core from "../../src/index.js";
import * as remote from "../../src/remote/index.js";

const dist = join(import.meta.dirname, "..", "..", "dist");
const require = createRequire(import.meta.url);

type Ctor = new (...args: never[]) => Error;

/** Every exported class whose prototype chain reaches Error. */
function errorClasses(mod: Record<string, unknown>): Array<[string, Ctor]> {
  return Object.entries(mod).filter(
    (e): e is [string, Ctor] => typeof e[1] === "function" && (e[1] as { prototype?: unknown }).prototype instanceof Error,
  );
}

function instantiate(Class: Ctor): Error {
  const init = {
    status: 400,
    headers: new Headers(),
    body: {},
    message: "m",
    method: "POST",
    url: "http://127.0.0.1/x",
  };
  const C = Class as unknown as new (...a: unknown[]) => Error;
  // Each class takes one of these shapes; the name is set whatever the arguments.
  if ("prototype" in C && /APIError|Request|Found|Conflict|Authentication|Permission|RateLimit|Internal|Payload|Unprocessable|Scoring/.test(C.name)) {
    return new C(init);
  }
  if (/ContextLength/.test(C.name)) return new C(8, 9);
  return new C("m", { index: 0, path: "p", timeoutMs: 1, url: "u", method: "GET", option: "o" });
}

const expected = [
  "RerankKitError",
  "InvalidInputError",
  "ContextLengthError",
  "ModelLoadError",
  "InvalidScoreError",
  "AbortError",
  "TimeoutError",
];

describe("error names", () => {
  it("sources: every exported error's name equals its export name", () => {
    const classes = [...errorClasses(core), ...errorClasses(remote)];
    expect(classes.map(([n]) => n)).toEqual(expect.arrayContaining(expected));
    for (const [exportName, Class] of classes) expect(instantiate(Class).name).toBe(exportName);
  });

  it.each(["index.js", "index.cjs", "remote.js", "remote.cjs"])("dist/%s: names survive bundling", async (file) => {
    if (!existsSync(join(dist, file))) throw new Error("dist/ is missing: run `npm run build` (npm test does)");
    const mod = (file.endsWith(".cjs") ? require(join(dist, file)) : await import(join(dist, file))) as Record<string, unknown>;
    const classes = errorClasses(mod);
    expect(classes.length).toBeGreaterThan(5);
    for (const [exportName, Class] of classes) expect(instantiate(Class).name).toBe(exportName);
    const base = mod["RerankKitError"] as Ctor;
    expect(new (base as unknown as new (m: string) => Error)("x").name).toBe("RerankKitError");
  });
});
