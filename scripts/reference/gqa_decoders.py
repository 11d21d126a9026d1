"""Generates the fused-attention decoder cells (developer tool, never run by npm test).

onnx-community's Qwen3 files (e.g. Qwen3-Reranker-0.6B-ONNX) are not plain torch exports: their
attention is fused into `com.microsoft.GroupQueryAttention`, the way the onnxruntime-genai model
builder (src/python/py/models/builders/base.py) and onnxruntime.transformers'
`replace_mha_with_gqa` write it:

  attention_mask -> ReduceSum - 1 -> Cast int32          = seqlens_k        (one per row)
  attention_mask -> Shape[1]      -> Cast int32          = total_sequence_length
  x -> MatMul q/k/v -> q_norm/k_norm (SimplifiedLayerNormalization per head)
    -> com.microsoft.RotaryEmbedding(position_ids, cos_cache, sin_cache)
    -> com.microsoft.GroupQueryAttention(q, k, v, past_key, past_value, seqlens_k, total_seq_len)
    -> present.{i}.key/value, MatMul o_proj

with the optimum / transformers.js I/O names (input_ids, attention_mask, position_ids,
past_key_values.{i}.key/value -> logits or last_hidden_state, present.{i}.key/value). Each cell
holds the fp32 graph, the int8 form (`quantize_dynamic`, MatMulInteger: model_quantized.onnx),
the q4 form (MatMulNBits, block 32: model_q4.onnx) and a merged decoder
(decoder_model_merged.onnx: an `If` on use_cache_branch whose no-cache branch ignores the past,
as optimum merges decoder_model and decoder_with_past_model).

  gqa-reranker/    Qwen3ForCausalLM, tokenizer and template of llm-rerankers/qwen3-causal
  gqa-embedding/   Qwen3Model + the sentence-transformers files of decoders/qwen3-embedding

Goldens: onnxruntime's own run of every file on each sequence alone (unpadded, empty cache), and
transformers on the unfused weights (fp32 reference; the fp32 GQA graph is asserted within 1e-4).

Usage:  nice python3 scripts/reference/gqa_decoders.py [--out test/golden/gqa]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
import transformers
from onnx import TensorProto, helper, numpy_helper
from transformers import PreTrainedTokenizerFast, Qwen3Config, Qwen3ForCausalLM, Qwen3Model

SEED = 20261207
STD = 0.3  # sensitive fixtures: every token, position and padding choice moves the output
ROOT = Path(__file__).resolve().parents[2]
RERANKER_SRC = ROOT / "test/golden/llm-rerankers/qwen3-causal"
EMBEDDING_SRC = ROOT / "test/golden/decoders/qwen3-embedding"

# Documents sharing leading tokens unevenly (test/local/prefix-reuse.test.ts uses the same kind).
PREFIX_QUERY = "What is the capital of France?"
PREFIX_DOCUMENTS = [
    "Paris is the capital and most populous city of France, on the Seine.",
    "Paris is the capital of Texas in some stories.",
    "Paris is",
    "Paris is the capital and most populous city of France, with museums.",
    "Lyon is a city in France.",
    "ok",
]


def randomize(model: torch.nn.Module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(STD * torch.randn(p.shape, generator=g))


# --------------------------------------------------------------------------------------------
# the fused graph


class Graph:
    def __init__(self, prefix: str = ""):
        self.nodes: list[onnx.NodeProto] = []
        self.p = prefix
        self.n = 0

    def add(self, op: str, inputs: list[str], outputs: int | list[str] = 1, domain: str = "", **attrs) -> list[str]:
        self.n += 1
        name = f"{self.p}{op}_{self.n}"
        outs = outputs if isinstance(outputs, list) else [f"{name}/out{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, domain=domain, **attrs))
        return outs


def initializers(state: dict[str, torch.Tensor], cfg: Qwen3Config, head: bool) -> list[onnx.TensorProto]:
    t = lambda name, arr: numpy_helper.from_array(np.ascontiguousarray(arr, dtype=np.float32), name)
    out = [t("embed_tokens", state["model.embed_tokens.weight"])]
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        for w in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"):
            out.append(t(f"{p}{w}.weight_T", state[f"{p}{w}.weight"].T))
        for w in ("input_layernorm", "post_attention_layernorm", "self_attn.q_norm", "self_attn.k_norm"):
            out.append(t(f"{p}{w}.weight", state[f"{p}{w}.weight"]))
    out.append(t("model.norm.weight", state["model.norm.weight"]))
    if head:
        out.append(t("lm_head.weight_T", state["lm_head.weight"].T))
    hd = cfg.head_dim
    inv = 1.0 / (cfg.rope_parameters["rope_theta"] ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
    freqs = np.outer(np.arange(cfg.max_position_embeddings, dtype=np.float64), inv)
    out += [t("cos_cache", np.cos(freqs)), t("sin_cache", np.sin(freqs))]
    out += [numpy_helper.from_array(np.array([1], dtype=np.int64), "one"), numpy_helper.from_array(np.array(1, dtype=np.int64), "one_scalar")]
    out.append(numpy_helper.from_array(np.array([0, 0, -1, hd], dtype=np.int64), "heads_shape"))
    out.append(numpy_helper.from_array(np.array([0, 0, -1], dtype=np.int64), "flat_shape"))
    return out


def body(g: Graph, cfg: Qwen3Config, output: str, with_past: bool, names: dict[str, str]) -> None:
    """The decoder's nodes; `names` maps logical outputs (`output`, present.*) to value names."""
    eps = cfg.rms_norm_eps
    nh, kv, hd = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
    rms = lambda x, w: g.add("SimplifiedLayerNormalization", [x, w], axis=-1, epsilon=eps)[0]
    (row_sums,) = g.add("ReduceSum", ["attention_mask", "one"], keepdims=0)
    (seqlens64,) = g.add("Sub", [row_sums, "one"])
    (seqlens_k,) = g.add("Cast", [seqlens64], to=TensorProto.INT32)
    (shape,) = g.add("Shape", ["attention_mask"])
    (total64,) = g.add("Gather", [shape, "one_scalar"], axis=0)
    (total,) = g.add("Cast", [total64], to=TensorProto.INT32)
    (x,) = g.add("Gather", ["embed_tokens", "input_ids"], axis=0)
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        h = rms(x, f"{p}input_layernorm.weight")
        q, k, v = (g.add("MatMul", [h, f"{p}self_attn.{w}_proj.weight_T"])[0] for w in "qkv")
        normed = []
        for t, w in ((q, "q_norm"), (k, "k_norm")):
            (split,) = g.add("Reshape", [t, "heads_shape"])
            (flat,) = g.add("Reshape", [rms(split, f"{p}self_attn.{w}.weight"), "flat_shape"])
            normed.append(flat)
        q = g.add("RotaryEmbedding", [normed[0], "position_ids", "cos_cache", "sin_cache"], domain="com.microsoft", interleaved=0, num_heads=nh)[0]
        k = g.add("RotaryEmbedding", [normed[1], "position_ids", "cos_cache", "sin_cache"], domain="com.microsoft", interleaved=0, num_heads=kv)[0]
        past = [f"past_key_values.{i}.key", f"past_key_values.{i}.value"] if with_past else ["", ""]
        present = [names[f"present.{i}.key"], names[f"present.{i}.value"]]
        attn = g.add(
            "GroupQueryAttention", [q, k, v, *past, seqlens_k, total], [f"{g.p}attn_{i}", *present],
            domain="com.microsoft", num_heads=nh, kv_num_heads=kv,
        )[0]
        (o,) = g.add("MatMul", [attn, f"{p}self_attn.o_proj.weight_T"])
        (x,) = g.add("Add", [x, o])
        h = rms(x, f"{p}post_attention_layernorm.weight")
        (gate,) = g.add("MatMul", [h, f"{p}mlp.gate_proj.weight_T"])
        (up,) = g.add("MatMul", [h, f"{p}mlp.up_proj.weight_T"])
        (sig,) = g.add("Sigmoid", [gate])
        (silu,) = g.add("Mul", [gate, sig])
        (act,) = g.add("Mul", [silu, up])
        (down,) = g.add("MatMul", [act, f"{p}mlp.down_proj.weight_T"])
        (x,) = g.add("Add", [x, down])
    if output == "logits":
        (normed_x,) = g.add("SimplifiedLayerNormalization", [x, "model.norm.weight"], axis=-1, epsilon=eps)
        g.add("MatMul", [normed_x, "lm_head.weight_T"], [names[output]])
    else:
        g.add("SimplifiedLayerNormalization", [x, "model.norm.weight"], [names[output]], axis=-1, epsilon=eps)


def io(cfg: Qwen3Config, output: str) -> tuple[list, list]:
    kv, hd = cfg.num_key_value_heads, cfg.head_dim
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "total_sequence_length"]),
        helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
    ]
    width = cfg.vocab_size if output == "logits" else cfg.hidden_size
    outputs = [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["batch_size", "sequence_length", width])]
    for i in range(cfg.num_hidden_layers):
        for kind in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kind}", TensorProto.FLOAT, ["batch_size", kv, "past_sequence_length", hd]))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{kind}", TensorProto.FLOAT, ["batch_size", kv, "total_sequence_length", hd]))
    return inputs, outputs


OPSETS = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]


def fused_model(state, cfg: Qwen3Config, output: str) -> onnx.ModelProto:
    inputs, outputs = io(cfg, output)
    g = Graph()
    body(g, cfg, output, True, {o.name: o.name for o in outputs})
    graph = helper.make_graph(g.nodes, "qwen3_gqa", inputs, outputs, initializers(state, cfg, output == "logits"))
    return helper.make_model(graph, opset_imports=OPSETS, ir_version=10, producer_name="rerank-kit gqa_decoders.py")


def merged_model(state, cfg: Qwen3Config, output: str) -> onnx.ModelProto:
    """optimum's merge: use_cache_branch picks decoder_with_past (then) or decoder (else; ignores the past)."""
    inputs, outputs = io(cfg, output)
    inputs.append(helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1]))
    branches = []
    for tag, with_past in (("with_past", True), ("no_past", False)):
        names = {o.name: f"{tag}/{o.name}" for o in outputs}
        g = Graph(f"{tag}/")
        body(g, cfg, output, with_past, names)
        outs = [helper.make_tensor_value_info(names[o.name], TensorProto.FLOAT, None) for o in outputs]
        branches.append(helper.make_graph(g.nodes, tag, [], outs))
    node = helper.make_node("If", ["use_cache_branch"], [o.name for o in outputs], name="optimum::if", then_branch=branches[0], else_branch=branches[1])
    graph = helper.make_graph([node], "qwen3_gqa_merged", inputs, outputs, initializers(state, cfg, output == "logits"))
    return helper.make_model(graph, opset_imports=OPSETS, ir_version=10, producer_name="rerank-kit gqa_decoders.py")


def write_variants(folder: Path, state, cfg: Qwen3Config, output: str) -> list[str]:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    d = folder / "onnx"
    d.mkdir(parents=True, exist_ok=True)
    fp32 = fused_model(state, cfg, output)  # onnx.checker knows no SimplifiedLayerNormalization (ORT's)
    onnx.save(fp32, str(d / "model.onnx"))
    # transformers.js / onnx-community's q8: dynamic int8 (MatMulInteger), per tensor.
    quantize_dynamic(str(d / "model.onnx"), str(d / "model_quantized.onnx"), weight_type=QuantType.QInt8, per_channel=False, extra_options={"DefaultTensorType": TensorProto.FLOAT})
    q4 = MatMulNBitsQuantizer(onnx.load(str(d / "model.onnx")), block_size=32, is_symmetric=True)
    q4.process()
    onnx.save(q4.model.model, str(d / "model_q4.onnx"))
    merged = merged_model(state, cfg, output)
    onnx.save(merged, str(d / "decoder_model_merged.onnx"))
    files = ["model.onnx", "model_quantized.onnx", "model_q4.onnx", "decoder_model_merged.onnx"]
    ops = {f: sorted({n.op_type for n in onnx.load(str(d / f)).graph.node}) for f in files}
    assert "GroupQueryAttention" in ops["model.onnx"] and "MatMulInteger" in ops["model_quantized.onnx"] and "MatMulNBits" in ops["model_q4.onnx"], ops
    return files


def ort_single(path: Path, cfg: Qwen3Config, ids: list[int], output: str) -> np.ndarray:
    """onnxruntime's run of one sequence alone: no padding, empty cache, use_cache_branch false."""
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    n = len(ids)
    feeds = {
        "input_ids": np.array([ids], dtype=np.int64),
        "attention_mask": np.ones((1, n), dtype=np.int64),
        "position_ids": np.arange(n, dtype=np.int64)[None, :],
    }
    for i in sess.get_inputs():
        if i.name.startswith("past_key_values"):
            feeds[i.name] = np.zeros((1, cfg.num_key_value_heads, 0, cfg.head_dim), dtype=np.float32)
        if i.name == "use_cache_branch":
            feeds[i.name] = np.array([False])
    return sess.run([output], feeds)[0][0, -1]


def versions() -> dict[str, str]:
    return {"transformers": transformers.__version__, "torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": ort.__version__}


def reranker(out: Path) -> None:
    folder = out / "gqa-reranker"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for f in ("config.json", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "generation_config.json"):
        shutil.copy(RERANKER_SRC / f, folder / f)
    src = json.loads((RERANKER_SRC / "golden.json").read_text())
    cfg = Qwen3Config.from_pretrained(str(folder))
    cfg._attn_implementation = "eager"
    torch.manual_seed(SEED)
    lm = Qwen3ForCausalLM(cfg).eval()
    randomize(lm, SEED)
    lm.tie_weights()
    state = {k: v.detach().numpy() for k, v in lm.state_dict().items()}
    state["lm_head.weight"] = state["model.embed_tokens.weight"]
    files = write_variants(folder, state, cfg, "logits")

    tok = PreTrainedTokenizerFast.from_pretrained(str(folder))
    render = lambda q, d: tok.apply_chat_template([{"role": "query", "content": q}, {"role": "document", "content": d}], chat_template=src["template"], tokenize=False)
    # The template renders as the source cell's goldens were built: same ids for its first case.
    c0 = src["cases"][0]
    assert tok(render(c0["query"], c0["document"]))["input_ids"] == src["input_ids_untruncated"][0]
    cases = [c for c in src["cases"] if c["instruction"] is None]
    rows = [ids for c, ids in zip(src["cases"], src["input_ids"]) if c["instruction"] is None]
    prefix_rows = [tok(render(PREFIX_QUERY, d))["input_ids"] for d in PREFIX_DOCUMENTS]
    yes, no = src["true_token_id"], src["false_token_id"]

    def z(logits: np.ndarray) -> float:
        return float(logits[yes] - logits[no])

    with torch.no_grad():
        torch_z = [z(lm(input_ids=torch.tensor([r])).logits[0, -1].numpy()) for r in rows + prefix_rows]
    ort_z = {f: [z(ort_single(folder / "onnx" / f, cfg, r, "logits")) for r in rows + prefix_rows] for f in files}
    err = max(abs(a - b) for a, b in zip(ort_z["model.onnx"], torch_z))
    assert err < 1e-4, err
    assert max(abs(a - b) for a, b in zip(ort_z["decoder_model_merged.onnx"], ort_z["model.onnx"])) < 1e-5
    k = len(rows)
    golden = {
        "versions": versions(),
        "reference": "logit[yes] - logit[no] at the last position; onnxruntime runs each file on one unpadded sequence (empty cache, use_cache_branch false); transformers on the unfused weights",
        "template": src["template"],
        "hf_overrides": src["hf_overrides"],
        "true_token_id": yes,
        "false_token_id": no,
        "max_length": src["max_length"],
        "cases": [{"query": c["query"], "document": c["document"]} for c in cases],
        "input_ids": rows,
        "transformers": torch_z[:k],
        "ort": {f: v[:k] for f, v in ort_z.items()},
        "prefix_query": PREFIX_QUERY,
        "prefix_documents": PREFIX_DOCUMENTS,
        "prefix_input_ids": prefix_rows,
        "prefix_transformers": torch_z[k:],
        "prefix_ort": {f: v[k:] for f, v in ort_z.items()},
        "fp32_gqa_vs_transformers": err,
    }
    (folder / "golden.json").write_text(json.dumps(golden, indent=1))
    print("gqa-reranker ok: fp32 GQA vs transformers", err, {f: max(abs(a - b) for a, b in zip(v, torch_z)) for f, v in ort_z.items()})


def embedding(out: Path) -> None:
    folder = out / "gqa-embedding"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(EMBEDDING_SRC, folder, ignore=shutil.ignore_patterns("onnx", "external", "golden.json", "README.md"))
    src = json.loads((EMBEDDING_SRC / "golden.json").read_text())
    cfg = Qwen3Config.from_pretrained(str(folder))
    cfg._attn_implementation = "eager"
    torch.manual_seed(SEED + 1)
    model = Qwen3Model(cfg).eval()
    randomize(model, SEED + 1)
    state = {f"model.{k}": v.detach().numpy() for k, v in model.state_dict().items()}
    files = write_variants(folder, state, cfg, "last_hidden_state")
    tok = PreTrainedTokenizerFast.from_pretrained(str(folder))
    prompt = json.loads((folder / "config_sentence_transformers.json").read_text())["prompts"]["query"]
    cut = lambda text: tok(text, truncation=True, max_length=src["max_seq_length"])["input_ids"]
    assert [cut(prompt + q) for q in src["queries"]] == src["query_ids"]
    document_ids = [cut(d) for d in src["documents"]]
    rows = src["query_ids"] + document_ids

    def unit(v: np.ndarray) -> list[float]:
        return (v / np.linalg.norm(v)).astype(np.float64).tolist()

    with torch.no_grad():
        torch_e = [unit(model(input_ids=torch.tensor([r])).last_hidden_state[0, -1].numpy()) for r in rows]
    ort_e = {f: [unit(ort_single(folder / "onnx" / f, cfg, r, "last_hidden_state")) for r in rows] for f in files}
    diff = lambda a, b: max(abs(x - y) for u, v in zip(a, b) for x, y in zip(u, v))
    err = diff(ort_e["model.onnx"], torch_e)
    assert err < 1e-4, err
    nq = len(src["query_ids"])
    golden = {
        "versions": versions(),
        "reference": "last-token embedding, normalized; onnxruntime runs each file on one unpadded sequence (empty cache, use_cache_branch false); transformers Qwen3Model on the unfused weights",
        "queries": src["queries"],
        "documents": src["documents"],
        "query_ids": src["query_ids"],
        "document_ids": document_ids,
        "transformers": {"query": torch_e[:nq], "document": torch_e[nq:]},
        "ort": {f: {"query": v[:nq], "document": v[nq:]} for f, v in ort_e.items()},
        "fp32_gqa_vs_transformers": err,
    }
    (folder / "golden.json").write_text(json.dumps(golden, indent=1))
    print("gqa-embedding ok: fp32 GQA vs transformers", err, {f: diff(v, torch_e) for f, v in ort_e.items()})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "test/golden/gqa"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    reranker(out)
    embedding(out)


if __name__ == "__main__":
    sys.exit(main())
