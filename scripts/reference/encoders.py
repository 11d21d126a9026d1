"""Encoder reference generator: tiny random models of real encoder architectures, saved the way
sentence-transformers 6 saves them (plus old-format copies where the format changed), exported to
ONNX in the Optimum layout, with goldens from CrossEncoder.predict, SentenceTransformer.encode_query /
encode_document and MultiVectorEncoder.

    python3 scripts/reference/encoders.py [cell ...]

Writes test/golden/encoders/<family>/<cell>/ (model + golden.json). Developer tool: `npm test`
only reads the committed output.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import torch

import common_encoders as c

TOL = 1e-4


def _model_inputs(arch: str) -> list[str]:
    # Optimum exports token_type_ids only where the model has segment embeddings.
    return ["input_ids", "attention_mask", "token_type_ids"] if arch == "bert" else ["input_ids", "attention_mask"]


def _config(arch: str, tok, **extra):
    import transformers as tf

    n = len(tok)
    common = dict(vocab_size=n, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
    ids = dict(pad_token_id=tok.pad_token_id, bos_token_id=tok.cls_token_id, eos_token_id=tok.sep_token_id)
    if arch == "bert":
        cfg = tf.BertConfig(**common, max_position_embeddings=128, **ids)
    elif arch == "roberta":
        cfg = tf.RobertaConfig(**common, max_position_embeddings=c.MAX_LEN + 2, type_vocab_size=1, **ids)
    elif arch == "xlmr":
        cfg = tf.XLMRobertaConfig(**common, max_position_embeddings=c.MAX_LEN + 2, type_vocab_size=1, **ids)
    elif arch == "deberta-v2":
        # DeBERTa-v3 style (mxbai-rerank-*-v1): relative attention, no segment embeddings.
        cfg = tf.DebertaV2Config(**common, max_position_embeddings=c.MAX_LEN, type_vocab_size=0, relative_attention=True,
                                 position_buckets=16, pos_att_type=["p2c", "c2p"], norm_rel_ebd="layer_norm",
                                 position_biased_input=False, max_relative_positions=-1, pooler_hidden_size=32, **ids)
    elif arch == "modernbert":
        cfg = tf.ModernBertConfig(**common, max_position_embeddings=128, global_attn_every_n_layers=2, local_attention=16,
                                  classifier_pooling="mean", sep_token_id=tok.sep_token_id, cls_token_id=tok.cls_token_id, **ids)
    else:
        raise ValueError(arch)
    for k, v in extra.items():
        setattr(cfg, k, v)
    cfg._attn_implementation = "eager"
    return cfg


TOKENIZERS = {
    "bert": c.bert_tokenizer,
    "roberta": c.roberta_tokenizer,
    "xlmr": c.xlmr_tokenizer,
    "deberta-v2": c.deberta_tokenizer,
    "modernbert": c.modernbert_tokenizer,
}


# ---------------------------------------------------------------------------------------------
# Cross-encoders
# ---------------------------------------------------------------------------------------------


def cross_cell(arch: str, seed: int, activation: str = "sigmoid") -> None:
    from sentence_transformers import CrossEncoder
    from transformers import AutoModelForSequenceClassification

    folder = c.fresh(c.OUT / "cross" / arch)
    tok = TOKENIZERS[arch]()
    cfg = _config(arch, tok, num_labels=1)
    model = c.scale_weights(AutoModelForSequenceClassification.from_config(cfg, attn_implementation="eager"), seed)
    pairs = [(c.QUERIES[0], d) for d in c.DOCUMENTS] + list(zip(c.QUERIES, c.DOCUMENTS[1:4]))
    act = {"sigmoid": torch.nn.Sigmoid(), "identity": torch.nn.Identity()}[activation]
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        ce = CrossEncoder(tmp, activation_fn=act, max_length=c.MAX_LEN, device="cpu")
        ce.save(str(folder))
    ce = CrossEncoder(str(folder), device="cpu")
    # The tokenizer the reference really uses is the one read back from disk: transformers 5's
    # DebertaV2Tokenizer, for one, saves its own normalizer instead of the converter's.
    tok = ce.tokenizer
    c.assert_tokenization(tok, c.saved_tokenizer(folder), pairs=pairs, want_type_ids=arch in ("bert", "deberta-v2"))
    scores = [float(s) for s in ce.predict(pairs, batch_size=4)]
    names = _model_inputs(arch)
    c.export_onnx(model, folder, names, "logits")
    err = c.check_onnx(folder, model, tok, names, "logits", ([p[0] for p in pairs], [p[1] for p in pairs]))
    assert err < 1e-5, f"ONNX export differs from torch by {err}"
    # Wrong variants computed here from the same weights, so the tests can prove the fixture sensitive.
    variants = {}
    enc = [tok(q, d, truncation=True) for q, d in pairs]
    f = (lambda x: torch.sigmoid(x)) if activation == "sigmoid" else (lambda x: x)

    def run(ids, types=None):
        feeds = {"input_ids": torch.tensor([ids]), "attention_mask": torch.ones(1, len(ids), dtype=torch.long)}
        if types is not None and "token_type_ids" in names:
            feeds["token_type_ids"] = torch.tensor([types])
        with torch.no_grad():
            return float(f(model(**feeds).logits[0, 0]))

    variants["no_final_separator"] = [run(e["input_ids"][:-1], e.get("token_type_ids", [0] * len(e["input_ids"]))[:-1]) for e in enc]
    if "token_type_ids" in names:
        variants["zero_token_types"] = [run(e["input_ids"], [0] * len(e["input_ids"])) for e in enc]
    c.write_json(folder / "golden.json", {
        "cell": f"cross/{arch}", "scoreType": "cross-encoder", "reference": "CrossEncoder.predict",
        "versions": c.versions(), "tolerance": TOL, "activation": activation,
        "pairs": [{"query": q, "document": d, "score": s, "ids": e["input_ids"], "typeIds": e.get("token_type_ids")}
                  for (q, d), s, e in zip(pairs, scores, enc)],
        "variants": variants, "onnxExportError": err,
    })
    if arch == "bert":
        _cross_old_copy(folder, activation)
    c.strip_weights(folder)
    print(f"cross/{arch}: {len(pairs)} pairs, onnx err {err:.2e}")


def _cross_old_copy(folder: Path, activation: str) -> None:
    """sentence-transformers 4/5 save of the same model: no modules.json, the activation inside
    config.json's `sentence_transformers` key; verified to score the same as the 6.x save."""
    from sentence_transformers import CrossEncoder

    old = c.OUT / "cross" / "bert-st4"
    c.copy_folder(folder, old)
    for name in ("modules.json", "sentence_bert_config.json", "config_sentence_transformers.json", "golden.json"):
        (old / name).unlink(missing_ok=True)
    cfg = c.read_json(old / "config.json")
    path = {"sigmoid": "torch.nn.modules.activation.Sigmoid", "identity": "torch.nn.modules.linear.Identity"}[activation]
    cfg["sentence_transformers"] = {"activation_fn": path, "version": "4.1.0"}
    c.write_json(old / "config.json", cfg)
    golden = c.read_json(folder / "golden.json")
    pairs = [(p["query"], p["document"]) for p in golden["pairs"]]
    got = CrossEncoder(str(old), device="cpu").predict(pairs)
    diff = max(abs(float(a) - p["score"]) for a, p in zip(got, golden["pairs"]))
    assert diff < 1e-6, f"old-format cross-encoder copy scores differently ({diff})"
    c.strip_weights(old)


# ---------------------------------------------------------------------------------------------
# Bi-encoders
# ---------------------------------------------------------------------------------------------


def bi_cell(name: str, arch: str, seed: int, pooling: str, prompts: dict | None = None, include_prompt: bool = True,
            dense: bool = False, normalize: bool = True, old_format: str | None = None) -> None:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules import Dense, Normalize, Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling
    from transformers import AutoModel

    folder = c.fresh(c.OUT / "bi" / name)
    tok = TOKENIZERS[arch]()
    model = c.scale_weights(AutoModel.from_config(_config(arch, tok), attn_implementation="eager"), seed)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        modules = [Transformer(tmp, max_seq_length=c.MAX_LEN, model_kwargs={"attn_implementation": "eager"}),
                   Pooling(32, pooling_mode=pooling, include_prompt=include_prompt)]
        if dense:
            d1 = Dense(32, 24, activation_function=torch.nn.Tanh())
            d2 = Dense(24, 16, bias=False, activation_function=torch.nn.Identity())
            c.scale_weights(d1, seed + 1, 0.5)
            c.scale_weights(d2, seed + 2, 0.5)
            modules += [d1, d2]
        if normalize:
            modules.append(Normalize())
        st = SentenceTransformer(modules=modules, prompts=prompts or {}, device="cpu")
        st.save(str(folder))
    st = SentenceTransformer(str(folder), device="cpu")
    c.assert_tokenization(st.tokenizer, c.saved_tokenizer(folder), texts=c.QUERIES + c.DOCUMENTS)
    golden = _bi_golden(st, name)
    names = _model_inputs(arch)
    c.export_onnx(model, folder, names, "last_hidden_state")
    err = c.check_onnx(folder, model, tok, names, "last_hidden_state", c.DOCUMENTS)
    assert err < 1e-4, f"ONNX export differs from torch by {err}"
    golden["onnxExportError"] = err
    c.write_json(folder / "golden.json", golden)
    if old_format:
        _bi_old_copy(folder, name, old_format, golden)
    c.strip_weights(folder)
    print(f"bi/{name}: onnx err {err:.2e}")


def _bi_golden(st, name: str) -> dict:
    q = st.encode_query(c.QUERIES, convert_to_tensor=True)
    d = st.encode_document(c.DOCUMENTS, convert_to_tensor=True)
    sim = torch.nn.functional.cosine_similarity
    pairs = [(0, j) for j in range(len(c.DOCUMENTS))] + [(i, i + 1) for i in range(len(c.QUERIES))]
    return {
        "cell": f"bi/{name}", "scoreType": "bi-encoder",
        "reference": "SentenceTransformer.encode_query / encode_document, cosine",
        "versions": c.versions(), "tolerance": TOL,
        "queries": c.QUERIES, "documents": c.DOCUMENTS,
        "queryEmbeddings": q.tolist(), "documentEmbeddings": d.tolist(),
        "pairs": [{"q": i, "d": j, "score": float(sim(q[i], d[j], dim=0))} for i, j in pairs],
    }


def _bi_old_copy(folder: Path, name: str, fmt: str, golden: dict) -> None:
    """The same model as sentence-transformers 2.x (`v2`) or 3.x-5.x (`v3`) saved it: module types
    under `sentence_transformers.models`, boolean pooling keys, `word_embedding_dimension`."""
    from sentence_transformers import SentenceTransformer

    old = c.OUT / "bi" / f"{name}-{fmt}"
    c.copy_folder(folder, old)
    (old / "golden.json").unlink()
    modules = c.read_json(old / "modules.json")
    for m in modules:
        m["type"] = "sentence_transformers.models." + m["type"].rsplit(".", 1)[1]
    c.write_json(old / "modules.json", modules)
    pool_path = next(old / m["path"] for m in modules if m["type"].endswith("Pooling"))
    pool = c.read_json(pool_path / "config.json")
    modes = ["cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken"]
    short = {"cls_token": "cls", "mean_tokens": "mean", "max_tokens": "max", "mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
             "weightedmean_tokens": "weightedmean", "lasttoken": "lasttoken"}
    legacy = {"word_embedding_dimension": pool["embedding_dimension"]}
    legacy.update({f"pooling_mode_{m}": pool["pooling_mode"] == short[m] for m in modes})
    if fmt == "v3":
        legacy["include_prompt"] = pool["include_prompt"]
    c.write_json(pool_path / "config.json", legacy)
    for m in modules:
        if m["type"].endswith("Dense"):
            dcfg = c.read_json(old / m["path"] / "config.json")
            for k in ("module_input_name", "module_output_name"):
                dcfg.pop(k, None)
            c.write_json(old / m["path"] / "config.json", dcfg)
    c.write_json(old / "sentence_bert_config.json", {"max_seq_length": c.MAX_LEN, "do_lower_case": False})
    st_cfg = c.read_json(old / "config_sentence_transformers.json")
    st_cfg["__version__"] = {"sentence_transformers": "2.2.2" if fmt == "v2" else "3.4.1", "transformers": "4.44.2", "pytorch": "2.4.0"}
    st_cfg.pop("model_type", None)
    if fmt == "v2":
        st_cfg = {"__version__": st_cfg["__version__"]} if not st_cfg.get("prompts") else st_cfg
    c.write_json(old / "config_sentence_transformers.json", st_cfg)
    st = SentenceTransformer(str(old), device="cpu")
    again = _bi_golden(st, name)
    diff = max(abs(a["score"] - b["score"]) for a, b in zip(again["pairs"], golden["pairs"]))
    assert diff < 1e-6, f"old-format copy {old} scores differently ({diff})"
    c.strip_weights(old)


# ---------------------------------------------------------------------------------------------
# ColBERT (late interaction)
# ---------------------------------------------------------------------------------------------

COLBERT_DIM = 16


def _pylate_folder(folder: Path, arch: str, seed: int, q_prefix: str, d_prefix: str):
    """PyLate 1.x layout: Transformer + pylate Dense (no bias), ColBERT keys in
    config_sentence_transformers.json."""
    from safetensors.torch import save_file
    from transformers import AutoModel

    tok = TOKENIZERS[arch]()
    if q_prefix not in tok.get_vocab():
        tok.add_special_tokens({"additional_special_tokens": [q_prefix, d_prefix]})
    model = c.scale_weights(AutoModel.from_config(_config(arch, tok), attn_implementation="eager"), seed)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    proj = 0.3 * torch.randn(COLBERT_DIM, 32, generator=torch.Generator().manual_seed(seed + 1))
    (folder / "1_Dense").mkdir()
    save_file({"linear.weight": proj.contiguous()}, str(folder / "1_Dense" / "model.safetensors"))
    c.write_json(folder / "1_Dense" / "config.json", {"in_features": 32, "out_features": COLBERT_DIM, "bias": False,
                                                      "activation_function": "torch.nn.modules.linear.Identity"})
    c.write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Dense", "type": "pylate.models.Dense.Dense"},
    ])
    c.write_json(folder / "sentence_bert_config.json", {"max_seq_length": 47, "do_lower_case": False})
    c.write_json(folder / "config_sentence_transformers.json", {
        "__version__": {"sentence_transformers": "3.4.1", "transformers": "4.48.2", "pytorch": "2.5.1", "pylate": "1.1.7"},
        "prompts": {}, "default_prompt_name": None, "similarity_fn_name": "MaxSim",
        "query_prefix": q_prefix, "document_prefix": d_prefix, "query_length": 16, "document_length": 48,
        "attend_to_expansion_tokens": False, "skiplist_words": c.PUNCTUATION, "do_query_expansion": True,
    })
    return model, tok, proj


def _colbert_golden(folder: Path, cell: str) -> dict:
    from sentence_transformers import MultiVectorEncoder

    mve = MultiVectorEncoder(str(folder), device="cpu")
    q = mve.encode_query(c.QUERIES)
    d = mve.encode_document(c.DOCUMENTS)
    pairs = [(0, j) for j in range(len(c.DOCUMENTS))] + [(i, i + 1) for i in range(len(c.QUERIES))]
    sims = mve.similarity(q, d)
    return {
        "cell": cell, "scoreType": "late-interaction", "reference": "MultiVectorEncoder.encode_query / encode_document, MaxSim",
        "versions": c.versions(), "tolerance": TOL, "queries": c.QUERIES, "documents": c.DOCUMENTS,
        "queryTokens": [int(x.shape[0]) for x in q], "documentTokens": [int(x.shape[0]) for x in d],
        "pairs": [{"q": i, "d": j, "score": float(sims[i, j])} for i, j in pairs],
    }


def colbert_cells(arch: str, seed: int) -> None:
    q_prefix, d_prefix = ("[unused0]", "[unused1]") if arch == "bert" else ("[Q]", "[D]")
    base = c.OUT / "colbert"
    folder = c.fresh(base / f"{arch}-pylate")
    model, tok, proj = _pylate_folder(folder, arch, seed, q_prefix, d_prefix)
    names = _model_inputs(arch)
    c.export_onnx(model, folder, names, "last_hidden_state")
    golden = _colbert_golden(folder, f"colbert/{arch}-pylate")
    c.write_json(folder / "golden.json", golden)
    print(f"colbert/{arch}-pylate ok")
    if arch != "bert":
        c.strip_weights(folder)
        return
    # sentence-transformers 6's own save of the same model (MultiVectorEncoder.save).
    from sentence_transformers import MultiVectorEncoder

    native = c.fresh(base / "bert-mve")
    MultiVectorEncoder(str(folder), device="cpu").save(str(native))
    c.copy_folder(folder / "onnx", native / "onnx")
    g = _colbert_golden(native, "colbert/bert-mve")
    diff = max(abs(a["score"] - b["score"]) for a, b in zip(g["pairs"], golden["pairs"]))
    assert diff < 1e-5, f"MultiVectorEncoder re-save scores differently ({diff})"
    c.write_json(native / "golden.json", g)
    c.strip_weights(native)
    print("colbert/bert-mve ok")
    # stanford-nlp ColBERT (HF_ColBERT): backbone + linear.weight in one model.safetensors.
    from safetensors.torch import save_file

    stanford = c.fresh(base / "bert-stanford")
    model.save_pretrained(stanford)
    tok.save_pretrained(stanford)
    cfg = c.read_json(stanford / "config.json")
    cfg["architectures"] = ["HF_ColBERT"]
    c.write_json(stanford / "config.json", cfg)
    state = {f"bert.{k}": v.contiguous() for k, v in model.state_dict().items()}
    state["linear.weight"] = proj.contiguous()
    save_file(state, str(stanford / "model.safetensors"))
    c.write_json(stanford / "artifact.metadata", {
        "query_token_id": "[unused0]", "doc_token_id": "[unused1]", "query_token": "[Q]", "doc_token": "[D]",
        "query_maxlen": 16, "doc_maxlen": 48, "dim": COLBERT_DIM, "attend_to_mask_tokens": False,
        "mask_punctuation": True, "similarity": "cosine", "interaction": "colbert",
    })
    c.copy_folder(folder / "onnx", stanford / "onnx")
    g = _colbert_golden(stanford, "colbert/bert-stanford")
    c.write_json(stanford / "golden.json", g)
    # keep only the projection in model.safetensors (what rerank-kit reads)
    save_file({"linear.weight": proj.contiguous()}, str(stanford / "model.safetensors"))
    c.strip_weights(folder)
    print("colbert/bert-stanford ok")


def colbert_native_plain(seed: int) -> None:
    """A MultiVectorEncoder built natively in 6.x with its defaults: no marker prompts, no query
    expansion, an empty skiplist, per-task length caps."""
    from sentence_transformers import MultiVectorEncoder
    from sentence_transformers.base.modules import Dense, Normalize, Transformer
    from sentence_transformers.multi_vector_encoder.modules import MultiVectorMask
    from transformers import AutoModel

    folder = c.fresh(c.OUT / "colbert" / "bert-mve-plain")
    tok = TOKENIZERS["bert"]()
    model = c.scale_weights(AutoModel.from_config(_config("bert", tok), attn_implementation="eager"), seed)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        dense = Dense(32, COLBERT_DIM, bias=False, activation_function=torch.nn.Identity(),
                      module_input_name="token_embeddings", module_output_name="token_embeddings")
        c.scale_weights(dense, seed + 1)
        modules = [Transformer(tmp, query_length=12, document_length=40), dense, MultiVectorMask(),
                   Normalize(module_input_name="token_embeddings", module_output_name="token_embeddings")]
        MultiVectorEncoder(modules=modules, device="cpu").save(str(folder))
    c.export_onnx(model, folder, _model_inputs("bert"), "last_hidden_state")
    c.write_json(folder / "golden.json", _colbert_golden(folder, "colbert/bert-mve-plain"))
    c.strip_weights(folder)
    print("colbert/bert-mve-plain ok")


CELLS = {
    "cross-bert": lambda: cross_cell("bert", 11, activation="identity"),
    "cross-roberta": lambda: cross_cell("roberta", 12),
    "cross-xlmr": lambda: cross_cell("xlmr", 13),
    "cross-deberta-v2": lambda: cross_cell("deberta-v2", 14),
    "cross-modernbert": lambda: cross_cell("modernbert", 15),
    "bi-bert-mean": lambda: bi_cell("bert-mean", "bert", 21, "mean", old_format="v2"),
    "bi-bert-cls": lambda: bi_cell("bert-cls", "bert", 22, "cls", normalize=False),
    "bi-xlmr-mean": lambda: bi_cell("xlmr-mean", "xlmr", 23, "mean", prompts={"query": "query: ", "document": "passage: "}),
    "bi-modernbert": lambda: bi_cell("modernbert-cls", "modernbert", 24, "cls"),
    "bi-bert-max": lambda: bi_cell("bert-max", "bert", 25, "max"),
    "bi-bert-weightedmean": lambda: bi_cell("bert-weightedmean", "bert", 26, "weightedmean", normalize=False),
    "bi-bert-sqrtlen": lambda: bi_cell("bert-sqrtlen", "bert", 27, "mean_sqrt_len_tokens", normalize=False),
    "bi-bert-lasttoken": lambda: bi_cell("bert-lasttoken", "bert", 30, "lasttoken"),
    "bi-bert-dense": lambda: bi_cell("bert-dense", "bert", 28, "mean", dense=True, old_format="v3"),
    "bi-bert-prompt-excluded": lambda: bi_cell("bert-prompt-excluded", "bert", 29, "mean", include_prompt=False,
                                               prompts={"query": "Represent this question for retrieval: ", "document": "passage: "},
                                               old_format="v3"),
    "colbert-bert": lambda: colbert_cells("bert", 31),
    "colbert-modernbert": lambda: colbert_cells("modernbert", 32),
    "colbert-bert-mve-plain": lambda: colbert_native_plain(33),
}


if __name__ == "__main__":
    wanted = sys.argv[1:] or list(CELLS)
    for name in wanted:
        CELLS[name]()
