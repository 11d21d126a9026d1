"""Writes the full Qwen3-Reranker-0.6B shape with seeded random weights, for `npm run bench -- llama`
(developer tool, never run by npm test; the output is never committed).

The real model's files, real dimensions, random weights:

  <out>/config.json, generation_config.json, tokenizer.json, tokenizer_config.json
        the genuine Hub files of Qwen/Qwen3-Reranker-0.6B (from the committed cell
        test/golden/llm-rerankers/qwen3-reranker-real, its dimensions restored to the real ones:
        28 layers, hidden 1024, intermediate 3072, 16/8 heads, head_dim 128, vocab 151669, tied)
  <out>/model.safetensors      the weights (fp32, ~2.4 GB), which the GGUF converter reads
  <out>/onnx/model.onnx        fp32 torch export, onnx-community I/O names, external data
                               (onnx/model.onnx_data)
  <out>/onnx/model_quantized.onnx   q8: onnxruntime's quantize_dynamic (MatMulInteger), the
                               form onnx-community ships and the existing `bench -- llm` uses
  <out>/onnx/model_q4.onnx     q4 as the bench judges it: Q4_K_M's recipe in MatMulNBits terms
                               (4-bit asymmetric blocks of 32; 8 bits, accuracy_level 4, for v_proj
                               and down_proj in llama.cpp's use_more_bits layers and for the head)
  <out>/onnx/model_q4_symmetric32.onnx   q4 as onnx-community ships it: every MatMul 4-bit,
                               block 32, symmetric (the bench prints its drift beside the q4 row)
  <out>/gguf/model-f16.gguf, model-q8_0.gguf, model-q4_k_m.gguf   with --llama-cpp: the same
                               weights through llama.cpp's own converter (convert_hf_to_gguf.py
                               recognises a Qwen3 reranker by the folder name and writes
                               cls.output.weight and the rerank template); Q4_K_M by
                               llama-quantize when built, else by the same llama_model_quantize
                               called in node-llama-cpp's prebuilt libllama (bench/engines)

Weights are normal(0, 0.02) (the config's initializer_range; norms at 1), so the yes / no logits
are not saturated: scores mean nothing for ranking, only the parity between engines means something.

Usage (about 25 minutes and 12 GB peak RAM on 2 cores; run it alone, niced):
    nice python3 scripts/reference/qwen3_reranker_full.py --out bench/.models/qwen3-reranker-0.6b-full \
        [--llama-cpp /path/to/llama.cpp] [--only onnx|q8|q4|gguf] [--q4-files model_q4.onnx,...]
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, NamedTuple

sys.modules.setdefault("torchvision", None)  # type: ignore[arg-type]

import onnx
import torch
from transformers import Qwen3Config, Qwen3ForCausalLM

sys.path.insert(0, str(Path(__file__).resolve().parent))
from decoders import export_kv  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CELL = REPO / "test" / "golden" / "llm-rerankers" / "qwen3-reranker-real"
SEED = 20261207
REAL_DIMS = dict(
    hidden_size=1024,
    intermediate_size=3072,
    num_hidden_layers=28,
    num_attention_heads=16,
    num_key_value_heads=8,
    head_dim=128,
)
REAL_MAX_LENGTH = 131072


def write_files(out: Path) -> Qwen3Config:
    out.mkdir(parents=True, exist_ok=True)
    config = json.loads((CELL / "config.json").read_text())
    config.update(REAL_DIMS, torch_dtype="float32")
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    tok_config = json.loads((CELL / "tokenizer_config.json").read_text())
    tok_config["model_max_length"] = REAL_MAX_LENGTH
    (out / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2, ensure_ascii=False) + "\n")
    for name in ["tokenizer.json", "generation_config.json"]:
        shutil.copyfile(CELL / name, out / name)
    (out / "README.md").write_text(
        "# Qwen3-Reranker-0.6B shape, seeded random weights\n\n"
        "Written by scripts/reference/qwen3_reranker_full.py for `npm run bench -- llama`: the real tokenizer and\n"
        "config of Qwen/Qwen3-Reranker-0.6B, random weights (std 0.02). Scores are meaningless for ranking.\n"
    )
    cfg = Qwen3Config.from_pretrained(str(out))
    cfg._attn_implementation = "eager"
    return cfg


def build_weights(out: Path, cfg: Qwen3Config) -> Qwen3ForCausalLM:
    torch.manual_seed(SEED)
    lm = Qwen3ForCausalLM(cfg).eval()
    g = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, p in lm.named_parameters():
            if "norm" in name:
                p.fill_(1.0)
            else:
                p.copy_(0.02 * torch.randn(p.shape, generator=g))
    lm.tie_weights()
    assert lm.lm_head.weight.data_ptr() == lm.model.embed_tokens.weight.data_ptr()
    lm.save_pretrained(str(out), safe_serialization=True)
    # save_pretrained rewrites config.json (dtype, transformers version): keep the Hub's keys.
    return lm


def export_onnx(out: Path, lm: Qwen3ForCausalLM, cfg: Qwen3Config) -> None:
    onnx_dir = out / "onnx"
    onnx_dir.mkdir(exist_ok=True)
    tmp = out / "_export"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    export_kv(lm, cfg, tmp / "model.onnx", "logits")
    m = onnx.load(str(tmp / "model.onnx"))
    for f in onnx_dir.glob("model.onnx*"):
        f.unlink()
    onnx.save(m, str(onnx_dir / "model.onnx"), save_as_external_data=True, all_tensors_to_one_file=True, location="model.onnx_data")
    del m
    gc.collect()
    shutil.rmtree(tmp)
    print("fp32 onnx ok", flush=True)


def quantize_q8(out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    onnx_dir = out / "onnx"
    quantize_dynamic(str(onnx_dir / "model.onnx"), str(onnx_dir / "model_quantized.onnx"), weight_type=QuantType.QInt8, per_channel=False)
    print("q8 onnx ok", flush=True)


def more_bits(i_layer: int, n_layers: int) -> bool:
    """llama.cpp's `use_more_bits` (src/llama-quant.cpp): the layers whose attn_v and ffn_down
    Q4_K_M keeps at Q6_K (14 of Qwen3-0.6B's 28)."""
    return i_layer < n_layers // 8 or i_layer >= 7 * n_layers // 8 or (i_layer - n_layers // 8) % 3 == 2


class Q4Recipe(NamedTuple):
    """How a 4-bit file is written with onnxruntime's MatMulNBitsQuantizer (QOperator form)."""

    block_size: int
    symmetric: bool
    # MatMul node names (fp32 export's) written at 8 bits (MatMulNBits bits=8, block 32, symmetric,
    # accuracy_level 4: int8 activations per block, as llama.cpp's Q6_K x Q8_K dot products; at
    # accuracy_level 0 ONNX Runtime 1.30 has no fp32 kernel for 8 bits and dequantizes the whole
    # weight per call, 1.7x slower than 4 bits on down_proj's shape).
    eight_bit: Callable[[str, int], bool]
    # MatMul node names left fp32.
    keep_fp32: Callable[[str], bool]


LAYER = re.compile(r"/layers\.(\d+)/")
HEAD = "/model/lm_head/MatMul"


def _v_down_more_bits(name: str, n_layers: int) -> bool:
    m = LAYER.search(name)
    return bool(m) and ("/v_proj/" in name or "/down_proj/" in name) and more_bits(int(m.group(1)), n_layers)


Q4_RECIPES: dict[str, Q4Recipe] = {
    # What onnx-community ships as model_q4.onnx: every MatMul (the head too) at 4 bits, block 32,
    # symmetric; the embedding table stays fp32.
    "model_q4_symmetric32.onnx": Q4Recipe(32, True, lambda name, n: False, lambda name: False),
    # The bench's q4: Q4_K_M's recipe in MatMulNBits terms (bench/README.md, "The q4 file"): 4 bits
    # asymmetric per block of 32 (Q4_K: a scale and a min per 32), 8 bits where Q4_K_M keeps Q6_K
    # (attn_v and ffn_down in use_more_bits layers, and the tied output / embedding: the head).
    "model_q4.onnx": Q4Recipe(32, False, lambda name, n: name == HEAD or _v_down_more_bits(name, n), lambda name: False),
}


def quantize_q4(out: Path, names: list[str] | None = None) -> None:
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    onnx_dir = out / "onnx"
    n_layers = json.loads((out / "config.json").read_text())["num_hidden_layers"]
    for name in names or list(Q4_RECIPES):
        recipe = Q4_RECIPES[name]
        model = onnx.load(str(onnx_dir / "model.onnx"))
        inits = {t.name for t in model.graph.initializer}
        matmuls = [n.name for n in model.graph.node if n.op_type == "MatMul" and len(n.input) > 1 and n.input[1] in inits]
        fp32 = [m for m in matmuls if recipe.keep_fp32(m)]
        eight = [m for m in matmuls if m not in fp32 and recipe.eight_bit(m, n_layers)]
        if eight:
            # nodes_to_include does not restrict (the quantizer also takes every node of its op types):
            # the 8-bit pass excludes every other MatMul instead.
            q8 = MatMulNBitsQuantizer(
                model, bits=8, block_size=32, is_symmetric=True, accuracy_level=4, nodes_to_exclude=[m for m in matmuls if m not in eight]
            )
            q8.process()
            model = q8.model.model
        q4 = MatMulNBitsQuantizer(model, bits=4, block_size=recipe.block_size, is_symmetric=recipe.symmetric, nodes_to_exclude=fp32 + eight)
        q4.process()
        model = q4.model.model
        # The fp32 embedding table stays: keep the file self-contained only when it fits.
        stem = name.removesuffix(".onnx")
        if model.ByteSize() < 2**31 - 1:
            onnx.save(model, str(onnx_dir / name))
        else:
            onnx.save(model, str(onnx_dir / name), save_as_external_data=True, all_tensors_to_one_file=True, location=f"{stem}.onnx_data")
        print(f"q4 onnx ok: {name} ({len(eight)} MatMuls at 8 bits, {len(fp32)} fp32)", flush=True)
        del model, q4
        gc.collect()


def gguf(out: Path, llama_cpp: Path) -> None:
    gguf_dir = out / "gguf"
    gguf_dir.mkdir(exist_ok=True)
    converter = llama_cpp / "convert_hf_to_gguf.py"
    env_path = str(llama_cpp / "gguf-py")
    for outtype in ["f16", "q8_0"]:
        target = gguf_dir / f"model-{outtype}.gguf"
        subprocess.run(
            [sys.executable, str(converter), str(out), "--outtype", outtype, "--outfile", str(target)],
            check=True,
            env={**__import__("os").environ, "PYTHONPATH": env_path, "NO_LOCAL_GGUF": ""},
        )
        print("gguf", outtype, "ok", flush=True)
    q4 = gguf_dir / "model-q4_k_m.gguf"
    tool = llama_cpp / "build" / "bin" / "llama-quantize"
    if tool.exists():
        subprocess.run([str(tool), str(gguf_dir / "model-f16.gguf"), str(q4), "Q4_K_M", "2"], check=True)
    else:
        quantize_with_libllama(gguf_dir / "model-f16.gguf", q4, LLAMA_FTYPE_MOSTLY_Q4_K_M)
    print("gguf q4_k_m ok", flush=True)


LLAMA_FTYPE_MOSTLY_Q4_K_M = 15


def quantize_with_libllama(src: Path, dst: Path, ftype: int) -> None:
    """llama-quantize without building llama.cpp: the same `llama_model_quantize` from the libllama
    that node-llama-cpp ships prebuilt (struct layout of the bundle's include/llama.h)."""
    import ctypes

    bins = REPO / "bench" / "engines" / "node_modules" / "@node-llama-cpp" / "linux-x64" / "bins" / "linux-x64"
    lib = ctypes.CDLL(str(next(bins.glob("libllama*.so"))))

    class Params(ctypes.Structure):
        _fields_ = [
            ("nthread", ctypes.c_int32),
            ("ftype", ctypes.c_int),
            ("output_tensor_type", ctypes.c_int),
            ("token_embedding_type", ctypes.c_int),
            ("allow_requantize", ctypes.c_bool),
            ("quantize_output_tensor", ctypes.c_bool),
            ("only_copy", ctypes.c_bool),
            ("pure", ctypes.c_bool),
            ("keep_split", ctypes.c_bool),
            ("dry_run", ctypes.c_bool),
            ("imatrix", ctypes.c_void_p),
            ("kv_overrides", ctypes.c_void_p),
            ("tt_overrides", ctypes.c_void_p),
            ("prune_layers", ctypes.c_void_p),
            ("max_buf_size", ctypes.c_size_t),
        ]

    lib.llama_model_quantize_default_params.restype = Params
    lib.llama_model_quantize.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(Params)]
    lib.llama_model_quantize.restype = ctypes.c_uint32
    lib.llama_backend_init()
    params = lib.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = 2
    if lib.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(params)) != 0:
        raise RuntimeError(f"llama_model_quantize failed for {dst}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, help="model folder; its name must contain qwen3-reranker (the GGUF converter and rerank-kit's preset match on it)")
    parser.add_argument("--llama-cpp", default="", help="a llama.cpp checkout (node-llama-cpp's llama/gitRelease.bundle, cloned) for the GGUF files")
    parser.add_argument("--only", default="", help="comma-separated steps: onnx, q8, q4, gguf (default: all)")
    parser.add_argument("--q4-files", default="", help=f"comma-separated 4-bit files the q4 step writes (default: all of {', '.join(Q4_RECIPES)})")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    if "qwen3-reranker" not in out.name.lower():
        sys.exit("the folder name must contain qwen3-reranker, e.g. bench/.models/qwen3-reranker-0.6b-full")
    steps = set(args.only.split(",")) if args.only else {"onnx", "q8", "q4", "gguf"}
    if "onnx" in steps:
        cfg = write_files(out)
        lm = build_weights(out, cfg)
        # save_pretrained wrote its own config.json: put the Hub's back (with the real dimensions).
        write_files(out)
        export_onnx(out, lm, cfg)
        del lm
        gc.collect()
    if "q8" in steps:
        quantize_q8(out)
    if "q4" in steps:
        quantize_q4(out, [f for f in args.q4_files.split(",") if f] or None)
    if "gguf" in steps:
        if not args.llama_cpp:
            print("--llama-cpp not given: GGUF files skipped", flush=True)
        else:
            gguf(out, Path(args.llama_cpp))


if __name__ == "__main__":
    main()
