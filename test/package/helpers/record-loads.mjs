// Records which packages the main thread of a process loads, for the dist smoke test. Preloaded
// with --import: CJS loads are read from require.cache at exit; ESM loads come from a resolve hook
// (which runs on Node's loader thread, so it reports through a file named by RECORD_LOADS).
// Worker threads rerun --import; they record nothing, since what they load is off the main thread.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import process from "node:process";
import { isMainThread } from "node:worker_threads";

if (isMainThread) record();

function record() {
  const out = process.env.RECORD_LOADS;
  register(
    `data:text/javascript,${encodeURIComponent(`
      import { appendFileSync } from "node:fs";
      export async function resolve(specifier, context, next) {
        const result = await next(specifier, context);
        appendFileSync(${JSON.stringify(out)}, result.url + "\\n");
        return result;
      }`)}`,
  );
  const require = createRequire(import.meta.url);
  process.on("exit", () => {
    appendFileSync(out, Object.keys(require.cache).map((k) => `file://${k}`).join("\n") + "\n");
  });
}
