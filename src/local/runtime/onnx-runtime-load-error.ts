import { ModelLoadError } from "../../errors/model-load-error.js";

/**
 * What the dynamic linker says when this copy's native binding needs a symbol version that the
 * already loaded `libonnxruntime` lacks: another onnxruntime-node build was loaded first, and its
 * library (same soname) is reused for this one.
 */
const VERSION_CLASH = /version `?(VERS_[\w.]+)'? not found/;

/** The messages of `cause` and of its causes, outermost first. */
function messages(cause: unknown): string[] {
  const out: string[] = [];
  for (let e = cause, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    out.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return out;
}

/**
 * The error for a failed `import("onnxruntime-node")`. Two builds meeting in one process get
 * their own message, because the generic advice (install the package) is wrong there: it is
 * installed twice.
 */
export function onnxRuntimeLoadError(cause: unknown): ModelLoadError {
  const all = messages(cause);
  const clash = all.map((m) => VERSION_CLASH.exec(m)).find((m) => m !== null);
  if (clash) {
    const detail = all.find((m) => VERSION_CLASH.test(m));
    return new ModelLoadError(
      `Cannot load onnxruntime-node (needed for local models): two different onnxruntime builds meet in this ` +
        `process. Another copy of onnxruntime-node loaded its native library first, and the copy rerank-kit ` +
        `imports needs ${clash[1]}, which that library lacks (${detail}). Keep one copy: \`npm ls onnxruntime-node\` ` +
        `lists them; give your app a version rerank-kit accepts (^1.30.0) and run \`npm dedupe\`, or pin one ` +
        `version for both in package.json "overrides".`,
      { path: "onnxruntime-node", cause },
    );
  }
  return new ModelLoadError(
    `Cannot load onnxruntime-node (needed for local models): ${all[0]}. ` + `Install it with "npm install onnxruntime-node".`,
    { path: "onnxruntime-node", cause },
  );
}
