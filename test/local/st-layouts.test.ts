import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ModelLoadError } from "../../src/errors/model-load-error.js";
import { loadScorer } from "../../src/local/load-scorer.js";
import { classifyModule } from "../../src/local/st-module-types.js";
import { parsePoolingConfig } from "../../src/local/st-pooling-config.js";

const GOLDEN = join(import.meta.dirname, "..", "golden", "encoders");

describe("parsePoolingConfig", () => {
  it("reads sentence-transformers 6's pooling_mode / include_prompt / embedding_dimension", () => {
    expect(parsePoolingConfig({ embedding_dimension: 64, pooling_mode: "mean", include_prompt: false }, "p")).toEqual({
      modes: ["mean"],
      includePrompt: false,
      dimension: 64,
    });
    expect(parsePoolingConfig({ pooling_mode: ["cls", "max"] }, "p").modes).toEqual(["cls", "max"]);
  });

  it("reads the boolean keys of sentence-transformers 2.x-5.x", () => {
    const legacy = (on: string) => ({
      word_embedding_dimension: 32,
      pooling_mode_cls_token: on === "cls",
      pooling_mode_mean_tokens: on === "mean",
      pooling_mode_max_tokens: on === "max",
      pooling_mode_mean_sqrt_len_tokens: on === "sqrt",
      pooling_mode_weightedmean_tokens: on === "weighted",
      pooling_mode_lasttoken: on === "last",
    });
    expect(parsePoolingConfig(legacy("cls"), "p")).toEqual({ modes: ["cls"], includePrompt: true, dimension: 32 });
    expect(parsePoolingConfig(legacy("max"), "p").modes).toEqual(["max"]);
    expect(parsePoolingConfig(legacy("sqrt"), "p").modes).toEqual(["mean_sqrt_len_tokens"]);
    expect(parsePoolingConfig(legacy("weighted"), "p").modes).toEqual(["weightedmean"]);
    expect(parsePoolingConfig(legacy("last"), "p").modes).toEqual(["lasttoken"]);
    // As sentence-transformers 6 converts them: no mode enabled means mean.
    expect(parsePoolingConfig(legacy("none"), "p").modes).toEqual(["mean"]);
    expect(parsePoolingConfig({ ...legacy("mean"), include_prompt: false }, "p").includePrompt).toBe(false);
  });

  it("rejects an unknown pooling mode naming the file, the value and the supported modes", () => {
    const err = (() => {
      try {
        parsePoolingConfig({ pooling_mode: "attention" }, "/m/1_Pooling/config.json");
      } catch (e) {
        return e as ModelLoadError;
      }
    })();
    expect(err).toBeInstanceOf(ModelLoadError);
    expect(err?.message).toContain("/m/1_Pooling/config.json");
    expect(err?.message).toContain('"attention"');
    expect(err?.message).toContain("cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken");
  });
});

describe("classifyModule", () => {
  it("knows the module paths of every sentence-transformers version and PyLate", () => {
    expect(classifyModule("sentence_transformers.models.Transformer")).toBe("transformer");
    expect(classifyModule("sentence_transformers.base.modules.transformer.Transformer")).toBe("transformer");
    expect(classifyModule("sentence_transformers.models.Pooling")).toBe("pooling");
    expect(classifyModule("sentence_transformers.sentence_transformer.modules.pooling.Pooling")).toBe("pooling");
    expect(classifyModule("sentence_transformers.models.Dense")).toBe("dense");
    expect(classifyModule("sentence_transformers.base.modules.dense.Dense")).toBe("dense");
    expect(classifyModule("pylate.models.Dense.Dense")).toBe("dense");
    expect(classifyModule("sentence_transformers.models.Normalize")).toBe("normalize");
    expect(classifyModule("sentence_transformers.base.modules.normalize.Normalize")).toBe("normalize");
    expect(classifyModule("sentence_transformers.sentence_transformer.modules.dropout.Dropout")).toBe("dropout");
    expect(classifyModule("sentence_transformers.multi_vector_encoder.modules.multi_vector_mask.MultiVectorMask")).toBe("multi-vector-mask");
  });

  it("does not accept other classes or remote code", () => {
    expect(classifyModule("sentence_transformers.models.LSTM")).toBeUndefined();
    expect(classifyModule("sentence_transformers.sparse_encoder.modules.splade_pooling.SpladePooling")).toBeUndefined();
    expect(classifyModule("custom_st.Transformer")).toBeUndefined();
  });
});

describe("loading layouts rerank-kit cannot run", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const copy = (cell: string, file: string, edit: (json: unknown) => unknown): string => {
    const dir = mkdtempSync(join(tmpdir(), "rk-layout-"));
    dirs.push(dir);
    cpSync(join(GOLDEN, cell), dir, { recursive: true });
    const path = join(dir, file);
    writeFileSync(path, JSON.stringify(edit(JSON.parse(readFileSync(path, "utf8")))));
    return dir;
  };

  it("an unknown module type is a ModelLoadError naming modules.json, the type and what is supported", async () => {
    const dir = copy("bi/bert-mean", "modules.json", (mods) => {
      const list = mods as { type: string }[];
      (list[1] as { type: string }).type = "sentence_transformers.sentence_transformer.modules.lstm.LSTM";
      return list;
    });
    const err = await loadScorer(dir).catch((e: unknown) => e as ModelLoadError);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as ModelLoadError).message).toContain(join(dir, "modules.json"));
    expect((err as ModelLoadError).message).toContain("sentence_transformers.sentence_transformer.modules.lstm.LSTM");
    expect((err as ModelLoadError).message).toContain("Transformer, Pooling, Dense, Normalize");
  });

  it("an unknown pooling mode is a ModelLoadError naming the pooling config and the value", async () => {
    const dir = copy("bi/bert-mean", "1_Pooling/config.json", (cfg) => ({ ...(cfg as object), pooling_mode: "attention" }));
    const err = await loadScorer(dir).catch((e: unknown) => e as ModelLoadError);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as ModelLoadError).message).toContain(join(dir, "1_Pooling", "config.json"));
    expect((err as ModelLoadError).message).toContain('"attention"');
  });

  it("a Dense module before pooling (on token_embeddings) is refused in a bi-encoder", async () => {
    const dir = copy("bi/bert-dense", "2_Dense/config.json", (cfg) => ({ ...(cfg as object), module_input_name: "token_embeddings" }));
    await expect(loadScorer(dir)).rejects.toThrow(/2_Dense.*token_embeddings/);
  });

  it("a SparseEncoder save is refused by name", async () => {
    const dir = copy("bi/bert-mean", "config_sentence_transformers.json", (cfg) => ({ ...(cfg as object), model_type: "SparseEncoder" }));
    await expect(loadScorer(dir)).rejects.toThrow(/sparse encoders/);
  });

  it("an unknown module in a MultiVectorEncoder save is a ModelLoadError", async () => {
    const dir = copy("colbert/bert-mve", "modules.json", (mods) => {
      const list = mods as { type: string }[];
      (list[2] as { type: string }).type = "sentence_transformers.multi_vector_encoder.modules.token_pooling.HierarchicalTokenPooling";
      return list;
    });
    await expect(loadScorer(dir)).rejects.toThrow(/HierarchicalTokenPooling.*supported: Transformer/);
  });

  it("meanmaxsim MultiVectorEncoder saves are refused rather than scored with MaxSim", async () => {
    const dir = copy("colbert/bert-mve", "config_sentence_transformers.json", (cfg) => ({ ...(cfg as object), similarity_fn_name: "meanmaxsim" }));
    await expect(loadScorer(dir)).rejects.toThrow(/similarity_fn_name "meanmaxsim" is not supported/);
  });
});

describe("stLayoutOf", () => {
  it("tells which tool and version wrote each layout", async () => {
    const { loadModelFiles } = await import("../../src/local/files/model-files.js");
    const { stLayoutOf } = await import("../../src/local/files/st-layout.js");
    const layout = async (cell: string) => {
      const { writer, version, modelType } = stLayoutOf(await loadModelFiles(join(GOLDEN, cell)));
      return { writer, version, modelType };
    };
    expect(await layout("cross/bert")).toEqual({ writer: "sentence-transformers", version: "6.0.1", modelType: "CrossEncoder" });
    expect(await layout("cross/bert-st4")).toEqual({ writer: "none", version: undefined, modelType: undefined });
    expect(await layout("bi/bert-mean")).toEqual({ writer: "sentence-transformers", version: "6.0.1", modelType: "SentenceTransformer" });
    expect(await layout("bi/bert-mean-v2")).toEqual({ writer: "sentence-transformers", version: "2.2.2", modelType: undefined });
    expect(await layout("colbert/bert-pylate")).toMatchObject({ writer: "pylate", modelType: undefined });
    expect(await layout("colbert/bert-stanford")).toMatchObject({ writer: "stanford-colbert" });
    expect(await layout("colbert/bert-mve")).toEqual({ writer: "sentence-transformers", version: "6.0.1", modelType: "MultiVectorEncoder" });
  });
});
