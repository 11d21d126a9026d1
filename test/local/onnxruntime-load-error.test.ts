/**
 * Two onnxruntime-node builds in one process (an app's 1.31.1 loaded first, rerank-kit's nested
 * 1.30.0 second) fail in the dynamic linker, not in npm: the second binding finds the first
 * build's libonnxruntime.so.1 and lacks its symbol version. The import error is simulated here
 * with the linker's message; the advice must be to deduplicate, not to install the package.
 */
import { describe, expect, it, vi } from "vitest";
import { ModelLoadError } from "../../src/errors/index.js";

const LINKER =
  "/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1: version `VERS_1.30.0' not found " +
  "(required by /app/node_modules/rerank-kit/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node)";

vi.mock("onnxruntime-node", () => {
  throw Object.assign(new Error(LINKER), { code: "ERR_DLOPEN_FAILED" });
});

describe("loading onnxruntime-node", () => {
  it("names two onnxruntime builds in one process and how to keep one", async () => {
    const { loadOnnxRuntime } = await import("../../src/local/runtime/onnx-session.js");
    const error = await loadOnnxRuntime().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    const message = (error as ModelLoadError).message;
    expect(message).toMatch(/two different onnxruntime builds meet in this process/);
    expect(message).toContain("VERS_1.30.0");
    expect(message).toContain("npm ls onnxruntime-node");
    expect(message).toMatch(/npm dedupe|overrides/);
    expect(message).not.toContain("npm install onnxruntime-node");
    expect((error as ModelLoadError).path).toBe("onnxruntime-node");
  });
});

describe("onnxRuntimeLoadError", () => {
  it("keeps the install advice when the package is missing", async () => {
    const { onnxRuntimeLoadError } = await import("../../src/local/runtime/onnx-runtime-load-error.js");
    const missing = Object.assign(new Error("Cannot find package 'onnxruntime-node' imported from /app/dist/index.js"), { code: "ERR_MODULE_NOT_FOUND" });
    const error = onnxRuntimeLoadError(missing);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toContain('Install it with "npm install onnxruntime-node"');
    expect(error.cause).toBe(missing);
  });

  it("finds the linker's message in a wrapped cause", async () => {
    const { onnxRuntimeLoadError } = await import("../../src/local/runtime/onnx-runtime-load-error.js");
    const wrapped = new Error("import failed", { cause: new Error(LINKER) });
    expect(onnxRuntimeLoadError(wrapped).message).toMatch(/two different onnxruntime builds/);
  });
});
