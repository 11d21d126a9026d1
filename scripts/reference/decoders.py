"""Generates the decoder cells of the compatibility matrix (developer tool, never run by npm test).

Builds tiny random decoders with transformers, saves them the way sentence-transformers 6 saves
them, exports ONNX with torch in the layouts users download, and records goldens computed by
sentence-transformers / transformers on the same weights:

  qwen3-embedding/          Qwen3 bi-encoder (last token, left padding, normalize, prompts)
    onnx/model.onnx           plain layout: input_ids, attention_mask -> last_hidden_state
    onnx/model_kv.onnx        onnx-community / transformers.js layout: + position_ids,
                              past_key_values.{i}.key/value in, present.* out
    external/model.onnx       model_kv.onnx with its weights in external/model.onnx_data
  gemma3-embedding/         EmbeddingGemma layout: Gemma3 (bidirectional attention), mean pooling,
                              Dense up / down, Normalize, task prompts; plain layout
  qwen3-causal-lm/          Qwen3ForCausalLM (tied embeddings), onnx-community layout, for the
                              LM-head rewrite: fp32, fp32 with external data, fp16, q8, q4

Usage:  python3 scripts/reference/decoders.py [--out test/golden/decoders]
Versions used are written into each golden.json.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
import sentence_transformers
import tokenizers
import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import Qwen2TokenizerFast, Qwen3Config, Qwen3ForCausalLM, Qwen3Model

SEED = 20261201
STD = 0.3  # sensitive fixtures: every token, position and padding choice moves the output
MAX_SEQ = 48  # small, so the long documents below are truncated

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

QUERY_PROMPT = "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:"

QUERIES = [
    "What is the capital of France?",
    "how do plants make food",
    "Ein Satz auf Deutsch über Berlin",
]
DOCUMENTS = [
    "Paris is the capital and most populous city of France.",
    "Photosynthesis lets plants turn sunlight, water and carbon dioxide into sugar and oxygen.",
    "Berlin ist die Hauptstadt Deutschlands.",
    "ok",
    # long enough to be truncated at MAX_SEQ tokens
    " ".join(
        [
            "The history of the city goes back many centuries, with markets, bridges, churches,",
            "universities and a river that shaped trade. Travellers wrote about its streets,",
            "its food and its weather, and every generation rebuilt part of it after wars,",
            "fires and floods, so that today old and new buildings stand side by side.",
        ]
    ),
]


def corpus() -> list[str]:
    """Training text for the BPE: docstrings of the standard library plus the test texts."""
    import collections, email, html, http, json as js, logging, pathlib, string, textwrap, unittest

    texts = list(QUERIES) + list(DOCUMENTS)
    for mod in [collections, email, html, http, js, logging, pathlib, string, textwrap, unittest, inspect, os, argparse]:
        for _, obj in inspect.getmembers(mod):
            doc = inspect.getdoc(obj)
            if doc:
                texts.append(doc)
    return texts


def build_tokenizer(vocab_size: int = 3000) -> Tokenizer:
    """A byte-level BPE like Qwen's, appending <|endoftext|> as Qwen3-Embedding's tokenizer does."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus(), trainer)
    eos = tok.token_to_id("<|endoftext|>")
    tok.post_processor = processors.TemplateProcessing(
        single="$A <|endoftext|>",
        pair="$A <|endoftext|> $B:1 <|endoftext|>:1",
        special_tokens=[("<|endoftext|>", eos)],
    )
    return tok


def hf_tokenizer(tok: Tokenizer, max_length: int) -> Qwen2TokenizerFast:
    t = Qwen2TokenizerFast(
        tokenizer_object=tok,
        unk_token=None,
        bos_token=None,
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
        model_max_length=max_length,
        padding_side="left",
    )
    t.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    return t


def qwen3_config(vocab: int, eos: int) -> Qwen3Config:
    return Qwen3Config(
        vocab_size=vocab,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        max_position_embeddings=512,
        rope_theta=10000.0,
        rms_norm_eps=1e-6,
        tie_word_embeddings=True,
        initializer_range=STD,
        bos_token_id=eos,
        eos_token_id=eos,
        pad_token_id=eos,
        attn_implementation="eager",
    )


def randomize(model: torch.nn.Module, seed: int) -> None:
    """Weights at std 0.3 (norm weights around 1), so the fixture is sensitive."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(STD * torch.randn(p.shape, generator=g))


# --------------------------------------------------------------------------------------------
# ONNX export wrappers


class PlainEmbedder(torch.nn.Module):
    def __init__(self, model: Qwen3Model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state


class KvWrapper(torch.nn.Module):
    """The onnx-community layout: position_ids and past_key_values in, present.* out."""

    def __init__(self, model: torch.nn.Module, layers: int, head: str):
        super().__init__()
        self.model = model
        self.layers = layers
        self.head = head  # "last_hidden_state" or "logits"

    def forward(self, input_ids, attention_mask, position_ids, *past):
        from transformers import DynamicCache

        cache = DynamicCache(config=self.model.config)
        for i in range(self.layers):
            cache.update(past[2 * i], past[2 * i + 1], i)
        out = self.model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            past_key_values=cache,
            use_cache=True,
        )
        first = out.last_hidden_state if self.head == "last_hidden_state" else out.logits
        presents = []
        for layer in out.past_key_values.layers:
            presents += [layer.keys, layer.values]
        return (first, *presents)


class BidirectionalEmbedder(torch.nn.Module):
    """Gemma3 with bidirectional attention (EmbeddingGemma). transformers builds its masks with
    vmap, which the TorchScript exporter cannot trace, so the wrapper builds the same two masks
    (padding only; padding and |q - k| < sliding_window) and passes them precomputed."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.window = model.config.sliding_window

    def forward(self, input_ids, attention_mask):
        seq = input_ids.shape[1]
        keys = attention_mask[:, None, None, :].bool()
        idx = torch.arange(seq)
        near = ((idx[None, :] - idx[:, None]).abs() < self.window)[None, None, :, :]
        low = torch.finfo(torch.float32).min
        zero = torch.zeros((), dtype=torch.float32)
        full = torch.where(keys, zero, low).expand(-1, 1, seq, seq)
        sliding = torch.where(keys & near, zero, low)
        masks = {"full_attention": full, "sliding_attention": sliding}
        return self.model(input_ids=input_ids, attention_mask=masks, use_cache=False).last_hidden_state


def export_plain(model, path: Path, wrapper=PlainEmbedder) -> None:
    ids = torch.tensor([[5, 6, 7, 8], [9, 10, 11, 12]])
    mask = torch.tensor([[0, 1, 1, 1], [1, 1, 1, 1]])
    torch.onnx.export(
        wrapper(model),
        (ids, mask),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={
            "input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "sequence_length"},
            "last_hidden_state": {0: "batch_size", 1: "sequence_length"},
        },
        opset_version=17,
        dynamo=False,
    )


def export_kv(model: torch.nn.Module, cfg: Qwen3Config, path: Path, head: str) -> None:
    layers = cfg.num_hidden_layers
    ids = torch.tensor([[5, 6, 7], [9, 10, 11]])
    past_len = 2
    mask = torch.ones(2, past_len + 3, dtype=torch.long)
    mask[0, 0] = 0
    pos = (mask.cumsum(-1) - 1).clamp(min=0)[:, past_len:]
    past = []
    for _ in range(layers):
        past += [torch.randn(2, cfg.num_key_value_heads, past_len, cfg.head_dim) for _ in range(2)]
    names_in = ["input_ids", "attention_mask", "position_ids"]
    names_out = [head]
    axes = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        head: {0: "batch_size", 1: "sequence_length"},
    }
    for i in range(layers):
        for kind in ("key", "value"):
            names_in.append(f"past_key_values.{i}.{kind}")
            names_out.append(f"present.{i}.{kind}")
            axes[f"past_key_values.{i}.{kind}"] = {0: "batch_size", 2: "past_sequence_length"}
            axes[f"present.{i}.{kind}"] = {0: "batch_size", 2: "total_sequence_length"}
    torch.onnx.export(
        KvWrapper(model, layers, head),
        (ids, mask, pos, *past),
        str(path),
        input_names=names_in,
        output_names=names_out,
        dynamic_axes=axes,
        opset_version=17,
        dynamo=False,
    )


def check_onnx(path: Path) -> None:
    m = onnx.load(str(path))
    onnx.checker.check_model(m)


# --------------------------------------------------------------------------------------------
# cells


def versions() -> dict[str, str]:
    return {
        "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "tokenizers": tokenizers.__version__,
        "onnx": onnx.__version__,
    }


def save_tokenizer_files(tok: Tokenizer, folder: Path, max_length: int) -> Qwen2TokenizerFast:
    hf = hf_tokenizer(tok, max_length)
    hf.save_pretrained(str(folder))
    return hf


def qwen3_embedding(out: Path, tok: Tokenizer) -> None:
    from sentence_transformers import SentenceTransformer, models as st_models

    folder = out / "qwen3-embedding"
    shutil.rmtree(folder, ignore_errors=True)
    hf_dir = out / "_tmp_qwen3_embedding_hf"
    shutil.rmtree(hf_dir, ignore_errors=True)
    eos = tok.token_to_id("<|endoftext|>")
    cfg = qwen3_config(tok.get_vocab_size(), eos)
    torch.manual_seed(SEED)
    base = Qwen3Model(cfg).eval()
    randomize(base, SEED)
    base.save_pretrained(str(hf_dir), safe_serialization=True)
    save_tokenizer_files(tok, hf_dir, MAX_SEQ)

    transformer = st_models.Transformer(
        str(hf_dir), max_seq_length=MAX_SEQ, tokenizer_args={"padding_side": "left"}, model_args={"attn_implementation": "eager"}
    )
    pooling = st_models.Pooling(transformer.get_word_embedding_dimension(), pooling_mode="lasttoken")
    st = SentenceTransformer(
        modules=[transformer, pooling, st_models.Normalize()],
        prompts={"query": QUERY_PROMPT, "document": ""},
        default_prompt_name=None,
    )
    st.eval()
    st.save(str(folder))
    shutil.rmtree(hf_dir, ignore_errors=True)

    st = SentenceTransformer(str(folder), device="cpu")
    assert st.tokenizer.padding_side == "left", st.tokenizer.padding_side
    # Reference tokenization: EOS appended, truncation keeps it, left padding.
    enc = st.tokenize(["ok", DOCUMENTS[-1]])
    ids = enc["input_ids"].tolist()
    assert ids[0][-1] == eos and ids[1][-1] == eos, ids
    assert enc["attention_mask"][0][0].item() == 0, "expected left padding"
    assert len(ids[1]) == MAX_SEQ, len(ids[1])

    q = st.encode_query(QUERIES, convert_to_numpy=True, batch_size=8)
    d = st.encode_document(DOCUMENTS, convert_to_numpy=True, batch_size=8)
    d_single = np.stack([st.encode_document([t], convert_to_numpy=True)[0] for t in DOCUMENTS])
    assert np.abs(d - d_single).max() < 1e-5, "padding changes the embedding in the reference itself"
    # Sensitivity: a bug that pools position -1 of a right-padded batch, or drops the prompt,
    # must move the embedding far beyond the tolerance.
    no_prompt = st.encode(QUERIES, convert_to_numpy=True, normalize_embeddings=True)
    sens_prompt = float(np.abs(no_prompt - q).max())
    assert sens_prompt > 1e-2, sens_prompt

    model = Qwen3Model.from_pretrained(str(folder), attn_implementation="eager").eval()
    (folder / "onnx").mkdir(exist_ok=True)
    export_plain(model, folder / "onnx" / "model.onnx")
    export_kv(model, cfg, folder / "onnx" / "model_kv.onnx", "last_hidden_state")
    for f in ("model.onnx", "model_kv.onnx"):
        check_onnx(folder / "onnx" / f)
    # The kv layout again with its weights in model.onnx_data, as large Hub exports ship.
    (folder / "external").mkdir(exist_ok=True)
    onnx.save(
        onnx.load(str(folder / "onnx" / "model_kv.onnx")),
        str(folder / "external" / "model.onnx"),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="model.onnx_data",
        size_threshold=1024,
    )
    # The safetensors weights are not needed by rerank-kit; keep the folder small.
    (folder / "model.safetensors").unlink()

    golden = {
        "versions": versions(),
        "reference": "SentenceTransformer.encode_query / encode_document (normalized)",
        "max_seq_length": MAX_SEQ,
        "queries": QUERIES,
        "documents": DOCUMENTS,
        "query_embeddings": q.tolist(),
        "document_embeddings": d.tolist(),
        "query_ids": st.tokenize([QUERY_PROMPT + t for t in QUERIES])["input_ids"].tolist(),
        "sensitivity": {"prompt_dropped": sens_prompt},
    }
    (folder / "golden.json").write_text(json.dumps(golden, indent=1))
    print("qwen3-embedding ok, prompt sensitivity", sens_prompt)


def share_lm_head(model: onnx.ModelProto) -> onnx.ModelProto:
    """Ties the LM head to the embedding in the graph too: MatMul(h, Transpose(embed_tokens))
    instead of a transposed copy, as exports without constant folding of tied weights do."""
    inits = {i.name: i for i in model.graph.initializer}
    gather = next(n for n in model.graph.node if n.op_type == "Gather" and n.input[0] in inits and "embed" in n.input[0])
    head = next(n for n in model.graph.node if n.op_type == "MatMul" and "lm_head" in n.name)
    emb = onnx.numpy_helper.to_array(inits[gather.input[0]])
    w = onnx.numpy_helper.to_array(inits[head.input[1]])
    assert np.array_equal(w, emb.T), "LM head is not tied to the embedding"
    model.graph.initializer.remove(inits[head.input[1]])
    t_out = "/model/lm_head/tied_weight_T"
    transpose = onnx.helper.make_node("Transpose", [gather.input[0]], [t_out], name="/model/lm_head/TiedTranspose", perm=[1, 0])
    idx = list(model.graph.node).index(head)
    model.graph.node.insert(idx, transpose)
    head.input[1] = t_out
    return model


GEMMA_SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<start_of_turn>", "<end_of_turn>"]
GEMMA_PROMPTS = {"query": "task: search result | query: ", "document": "title: none | text: "}


def build_gemma_tokenizer(vocab_size: int = 3000) -> Tokenizer:
    """SentencePiece-style BPE (metaspace, byte fallback) like Gemma's, adding <bos> and <eos>."""
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=False)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="first", split=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=GEMMA_SPECIALS, show_progress=False)
    tok.train_from_iterator(corpus(), trainer)
    bos, eos = tok.token_to_id("<bos>"), tok.token_to_id("<eos>")
    tok.post_processor = processors.TemplateProcessing(
        single="<bos> $A <eos>", pair="<bos> $A <eos> $B:1 <eos>:1", special_tokens=[("<bos>", bos), ("<eos>", eos)]
    )
    return tok


def gemma3_embedding(out: Path, _tok: Tokenizer) -> None:
    """EmbeddingGemma's layout: Gemma3TextModel with bidirectional attention, mean pooling, two
    Dense modules (up then down projection, no bias), Normalize, task prompts."""
    from sentence_transformers import SentenceTransformer, models as st_models
    from transformers import Gemma3TextConfig, Gemma3TextModel, GemmaTokenizerFast

    folder = out / "gemma3-embedding"
    shutil.rmtree(folder, ignore_errors=True)
    hf_dir = out / "_tmp_gemma3_hf"
    shutil.rmtree(hf_dir, ignore_errors=True)
    tok = build_gemma_tokenizer()
    cfg = Gemma3TextConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        max_position_embeddings=512,
        sliding_window=16,
        layer_types=["sliding_attention", "full_attention"],
        query_pre_attn_scalar=16,
        use_bidirectional_attention=True,
        initializer_range=STD,
        pad_token_id=tok.token_to_id("<pad>"),
        bos_token_id=tok.token_to_id("<bos>"),
        eos_token_id=tok.token_to_id("<eos>"),
        attn_implementation="eager",
    )
    torch.manual_seed(SEED + 2)
    base = Gemma3TextModel(cfg).eval()
    randomize(base, SEED + 2)
    base.save_pretrained(str(hf_dir), safe_serialization=True)
    GemmaTokenizerFast(tokenizer_object=tok, model_max_length=MAX_SEQ, padding_side="right").save_pretrained(str(hf_dir))

    transformer = st_models.Transformer(str(hf_dir), max_seq_length=MAX_SEQ, model_args={"attn_implementation": "eager"})
    dim = transformer.get_word_embedding_dimension()
    pooling = st_models.Pooling(dim, pooling_mode="mean")
    torch.manual_seed(SEED + 3)
    up = st_models.Dense(dim, 64, bias=False, activation_function=torch.nn.Identity())
    down = st_models.Dense(64, dim, bias=False, activation_function=torch.nn.Identity())
    for d in (up, down):
        with torch.no_grad():
            d.linear.weight.copy_(STD * torch.randn(d.linear.weight.shape))
    st = SentenceTransformer(modules=[transformer, pooling, up, down, st_models.Normalize()], prompts=GEMMA_PROMPTS)
    st.eval()
    st.save(str(folder))
    shutil.rmtree(hf_dir, ignore_errors=True)

    st = SentenceTransformer(str(folder), device="cpu")
    enc = st.tokenize(["ok"])
    ids = enc["input_ids"][0].tolist()
    assert ids[0] == tok.token_to_id("<bos>") and ids[-1] == tok.token_to_id("<eos>"), ids
    q = st.encode_query(QUERIES, convert_to_numpy=True)
    d = st.encode_document(DOCUMENTS, convert_to_numpy=True)
    # Transformer + Pooling only (Dense modules skipped) must land far from the real embedding.
    no_dense = SentenceTransformer(modules=[st[0], st[1]], prompts=GEMMA_PROMPTS)
    sens_dense = float(np.abs(no_dense.encode_document(DOCUMENTS[:1], convert_to_numpy=True, normalize_embeddings=True)[0] - d[0]).max())
    assert sens_dense > 1e-2, sens_dense

    model = Gemma3TextModel.from_pretrained(str(folder), attn_implementation="eager").eval()
    (folder / "onnx").mkdir(exist_ok=True)
    export_plain(model, folder / "onnx" / "model.onnx", BidirectionalEmbedder)
    check_onnx(folder / "onnx" / "model.onnx")
    (folder / "model.safetensors").unlink()
    golden = {
        "versions": versions(),
        "reference": "SentenceTransformer.encode_query / encode_document (normalized)",
        "max_seq_length": MAX_SEQ,
        "queries": QUERIES,
        "documents": DOCUMENTS,
        "query_embeddings": q.tolist(),
        "document_embeddings": d.tolist(),
        "sensitivity": {"dense_dropped": sens_dense},
    }
    (folder / "golden.json").write_text(json.dumps(golden, indent=1))
    print("gemma3-embedding ok, dense sensitivity", sens_dense)


def share_q4_embedding(model: onnx.ModelProto) -> onnx.ModelProto:
    """The q4 layout of tied decoders: the embedding lookup is a GatherBlockQuantized over the LM
    head's MatMulNBits weight (one 4-bit copy of the tied matrix), the fp32 embedding dropped."""
    from onnx import helper, numpy_helper

    inits = {i.name: i for i in model.graph.initializer}
    head = next(n for n in model.graph.node if n.op_type == "MatMulNBits" and "lm_head" in n.name)
    gather = next(n for n in model.graph.node if n.op_type == "Gather" and n.input[0] in inits and "embed" in n.input[0])
    attrs = {a.name: a.i for a in head.attribute}
    n, k, block = attrs["N"], attrs["K"], attrs["block_size"]
    b, scales = head.input[1], head.input[2]
    shape_b = numpy_helper.from_array(np.array([n, k // 2], dtype=np.int64), "/tied/shape_b")
    shape_s = numpy_helper.from_array(np.array([n, k // block], dtype=np.int64), "/tied/shape_s")
    model.graph.initializer.extend([shape_b, shape_s])
    model.graph.initializer.remove(inits[gather.input[0]])
    nodes = [
        helper.make_node("Reshape", [b, "/tied/shape_b"], ["/tied/b2d"], name="/tied/ReshapeB"),
        helper.make_node("Reshape", [scales, "/tied/shape_s"], ["/tied/s2d"], name="/tied/ReshapeS"),
        helper.make_node(
            "GatherBlockQuantized",
            ["/tied/b2d", gather.input[1], "/tied/s2d"],
            list(gather.output),
            name="/tied/GatherBlockQuantized",
            domain="com.microsoft",
            bits=4,
            block_size=block,
            gather_axis=0,
            quantize_axis=1,
        ),
    ]
    idx = list(model.graph.node).index(gather)
    model.graph.node.remove(gather)
    for i, node in enumerate(nodes):
        model.graph.node.insert(idx + i, node)
    return model


def quantize_variants(folder: Path) -> None:
    """From the exported graph (LM head as its own initializer): fp16, q8 (dynamic
    MatMulInteger), q4 (MatMulNBits); then model.onnx with the LM head tied to the embedding
    (Gather-shared weight) and an external-data copy of it."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
    from onnxruntime.transformers.float16 import convert_float_to_float16

    onnx_dir = folder / "onnx"
    src = onnx_dir / "model.onnx"
    quantize_dynamic(str(src), str(onnx_dir / "model_quantized.onnx"), weight_type=QuantType.QInt8, per_channel=False)
    q4 = MatMulNBitsQuantizer(onnx.load(str(src)), block_size=16, is_symmetric=True)
    q4.process()
    onnx.save(q4.model.model, str(onnx_dir / "model_q4.onnx"))
    fp16 = convert_float_to_float16(onnx.load(str(src)), keep_io_types=False)
    onnx.save(fp16, str(onnx_dir / "model_fp16.onnx"))
    onnx.save(share_q4_embedding(onnx.load(str(onnx_dir / "model_q4.onnx"))), str(onnx_dir / "model_q4_shared.onnx"))
    shared = share_lm_head(onnx.load(str(src)))
    onnx.checker.check_model(shared)
    onnx.save(shared, str(src))
    ext_dir = folder / "external"
    ext_dir.mkdir(exist_ok=True)
    onnx.save(shared, str(ext_dir / "model.onnx"), save_as_external_data=True, all_tensors_to_one_file=True, location="model.onnx_data", size_threshold=1024)


def qwen3_causal_lm(out: Path, tok: Tokenizer) -> None:
    folder = out / "qwen3-causal-lm"
    shutil.rmtree(folder, ignore_errors=True)
    eos = tok.token_to_id("<|endoftext|>")
    cfg = qwen3_config(tok.get_vocab_size(), eos)
    torch.manual_seed(SEED + 1)
    lm = Qwen3ForCausalLM(cfg).eval()
    randomize(lm, SEED + 1)
    lm.tie_weights()
    assert lm.lm_head.weight.data_ptr() == lm.model.embed_tokens.weight.data_ptr()
    lm.save_pretrained(str(folder), safe_serialization=True)
    hf = save_tokenizer_files(tok, folder, MAX_SEQ)
    (folder / "onnx").mkdir(exist_ok=True)
    export_kv(lm, cfg, folder / "onnx" / "model.onnx", "logits")
    check_onnx(folder / "onnx" / "model.onnx")
    quantize_variants(folder)

    texts = [QUERIES[0] + " " + DOCUMENTS[0], DOCUMENTS[2], "ok", DOCUMENTS[-1]]
    enc = hf(texts, padding=True, truncation=True, max_length=MAX_SEQ, return_tensors="pt")
    with torch.no_grad():
        logits = lm(**enc).logits  # [batch, seq, vocab]; left padded, so the last row is -1
    last = logits[:, -1, :]
    yes, no = tok.token_to_id("yes") or 100, tok.token_to_id("no") or 101
    (folder / "model.safetensors").unlink()
    # Each ONNX variant run by onnxruntime (Python) on the same left-padded batch, with the
    # feeds transformers.js builds: positions cumsum(mask) - 1, an empty cache of the graph's dtype.
    ort_last = {}
    for f in ["onnx/model.onnx", "onnx/model_fp16.onnx", "onnx/model_quantized.onnx", "onnx/model_q4.onnx", "onnx/model_q4_shared.onnx", "external/model.onnx"]:
        ort_last[f] = ort_last_logits(folder / f, enc, cfg, [yes, no, eos])
    golden = {
        "versions": versions(),
        "reference": "Qwen3ForCausalLM logits at the last position (left padding)",
        "ort_last_logits": ort_last,
        "texts": texts,
        "input_ids": [[int(x) for x, m in zip(r, mr) if m] for r, mr in zip(enc["input_ids"].tolist(), enc["attention_mask"].tolist())],
        "token_ids": [yes, no, eos],
        "last_logits": last[:, [yes, no, eos]].tolist(),
    }
    (folder / "golden.json").write_text(json.dumps(golden, indent=1))
    print("qwen3-causal-lm ok")


def ort_last_logits(path: Path, enc, cfg: Qwen3Config, tokens: list[int]) -> list[list[float]]:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    mask = enc["attention_mask"].numpy().astype(np.int64)
    pos = mask.cumsum(-1) - 1
    pos[mask == 0] = 1
    feeds = {"input_ids": enc["input_ids"].numpy().astype(np.int64), "attention_mask": mask, "position_ids": pos}
    for i in sess.get_inputs():
        if i.name.startswith("past_key_values"):
            dtype = np.float16 if "float16" in i.type else np.float32
            feeds[i.name] = np.zeros((mask.shape[0], cfg.num_key_value_heads, 0, cfg.head_dim), dtype=dtype)
    logits = sess.run(["logits"], feeds)[0].astype(np.float32)
    return logits[:, -1, tokens].tolist()


def bench_model(out: Path, tok: Tokenizer, layers: int) -> None:
    """A Qwen3-0.6B-shaped causal LM (seeded weights, not committed) for `npm run bench -- llm`:
    fp32 with external data (onnx/model.onnx + model.onnx_data) and q8 (onnx/model_quantized.onnx)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder = out
    folder.mkdir(parents=True, exist_ok=True)
    eos = tok.token_to_id("<|endoftext|>")
    cfg = Qwen3Config(
        vocab_size=151669,
        hidden_size=1024,
        intermediate_size=3072,
        num_hidden_layers=layers,
        num_attention_heads=16,
        num_key_value_heads=8,
        head_dim=128,
        max_position_embeddings=40960,
        rope_theta=1000000.0,
        rms_norm_eps=1e-6,
        tie_word_embeddings=True,
        bos_token_id=eos,
        eos_token_id=eos,
        pad_token_id=eos,
        attn_implementation="eager",
    )
    torch.manual_seed(SEED)
    lm = Qwen3ForCausalLM(cfg).eval()
    # Named, so loadScorer takes the folder as a causal LM (an LLM reranker with hfOverrides).
    lm.config.architectures = ["Qwen3ForCausalLM"]
    lm.config.save_pretrained(str(folder))
    hf_tokenizer(tok, 8192).save_pretrained(str(folder))
    (folder / "onnx").mkdir(exist_ok=True)
    tmp = folder / "_export"
    tmp.mkdir(exist_ok=True)
    export_kv(lm, cfg, tmp / "model.onnx", "logits")
    del lm
    m = onnx.load(str(tmp / "model.onnx"))
    onnx.save(m, str(folder / "onnx" / "model.onnx"), save_as_external_data=True, all_tensors_to_one_file=True, location="model.onnx_data")
    del m
    shutil.rmtree(tmp)
    quantize_dynamic(
        str(folder / "onnx" / "model.onnx"), str(folder / "onnx" / "model_quantized.onnx"), weight_type=QuantType.QInt8, per_channel=False
    )
    print("bench model ok", folder)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="test/golden/decoders")
    parser.add_argument("--only", default="")
    parser.add_argument("--bench", default="", help="write the Qwen3-0.6B-shaped bench model to this folder instead")
    parser.add_argument("--bench-layers", type=int, default=28)
    args = parser.parse_args()
    if args.bench:
        bench_model(Path(args.bench), build_tokenizer(), args.bench_layers)
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tok = build_tokenizer()
    print("vocab", tok.get_vocab_size(), file=sys.stderr)
    cells = {"qwen3-embedding": qwen3_embedding, "qwen3-causal-lm": qwen3_causal_lm, "gemma3-embedding": gemma3_embedding}
    for name, fn in cells.items():
        if not args.only or name in args.only.split(","):
            fn(out, tok)


if __name__ == "__main__":
    main()
