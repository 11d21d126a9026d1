"""Sparse and static reference generator: tiny random models of the SparseEncoder layouts (SPLADE on a
BERT MaskedLM, inference-free SPLADE with a Router), bge-m3's three heads, and static embedding
models (sentence-transformers StaticEmbedding, model2vec), saved in their real folder layouts, with
goldens from sentence-transformers 6 (SparseEncoder.encode_query / encode_document,
SentenceTransformer.encode) and, where no reference package is installable here, from the
published formulas on the same weights in torch / numpy (bge-m3: FlagEmbedding's BGEM3FlagModel;
model2vec: StaticModel.encode).

    python3 scripts/reference/sparse.py [cell ...]

Writes test/golden/sparse/<cell>/ (model + golden.json). Developer tool: `npm test` only reads the
committed output.
"""

from __future__ import annotations

import sys

# A torchvision wheel whose native ops do not match the installed torch breaks `import transformers`
# (its image utilities import torchvision when it is present); none of these models needs it.
sys.modules.setdefault("torchvision", None)

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import common_encoders as c  # noqa: E402

TOL = 1e-4
OUT = c.REPO / "test" / "golden" / "sparse"
HIDDEN = 32
# Texts with a token outside the vocabulary (the emoji and CJK become [UNK] / <unk>), repeated words
# (max vs sum pooling, presence counted once) and a text long enough to be truncated.
QUERIES = c.QUERIES + ["capital capital city 🙂"]
DOCUMENTS = c.DOCUMENTS + ["東京 is a city, and the city is big"]


def _bert_config(tok):
    import transformers as tf

    cfg = tf.BertConfig(vocab_size=len(tok), hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, pad_token_id=tok.pad_token_id)
    cfg._attn_implementation = "eager"
    return cfg


def _mlm(tok, seed: int):
    from transformers import BertForMaskedLM

    model = BertForMaskedLM(_bert_config(tok))
    c.scale_weights(model, seed)
    # A negative MLM bias, as trained SPLADE heads have, so a text activates a few dozen vocabulary
    # ids rather than a third of the vocabulary (small goldens, and topK / thresholds that bite).
    with torch.no_grad():
        model.cls.predictions.bias.copy_(-5.0 + 0.3 * torch.randn(len(tok), generator=torch.Generator().manual_seed(seed + 7)))
    model.eval()
    return model


def _sparse_rows(x: torch.Tensor) -> list[dict]:
    """Dense `[n, vocab]` rows -> {indices, values} (indices increasing, zeros dropped)."""
    x = x.to_dense() if x.is_sparse else x
    out = []
    for row in x:
        idx = torch.nonzero(row, as_tuple=True)[0]
        out.append({"indices": idx.tolist(), "values": row[idx].tolist()})
    return out


def _write_golden(folder: Path, golden: dict) -> None:
    """One line per top-level key: the vectors stay compact, the file stays diffable."""
    import json

    def rounded(x):
        # 8 significant digits: float32 values keep their precision, the files stay small.
        if isinstance(x, float):
            return float(f"{x:.8g}")
        if isinstance(x, list):
            return [rounded(v) for v in x]
        if isinstance(x, dict):
            return {k: rounded(v) for k, v in x.items()}
        return x

    lines = [f" {json.dumps(k)}: {json.dumps(rounded(v), ensure_ascii=False)}" for k, v in golden.items()]
    (folder / "golden.json").write_text("{\n" + ",\n".join(lines) + "\n}\n")


def _pairs():
    return [(0, j) for j in range(len(DOCUMENTS))] + [(i, i + 1) for i in range(len(QUERIES))]


def _sparse_golden(model, cell: str, extra: dict | None = None) -> dict:
    q = model.encode_query(QUERIES, convert_to_tensor=True, convert_to_sparse_tensor=False)
    d = model.encode_document(DOCUMENTS, convert_to_tensor=True, convert_to_sparse_tensor=False)
    sims = model.similarity(q, d)
    q3 = model.encode_query(QUERIES, convert_to_tensor=True, convert_to_sparse_tensor=False, max_active_dims=3)
    g = {
        "cell": cell, "scoreType": "sparse", "reference": "SparseEncoder.encode_query / encode_document, dot",
        "versions": c.versions(), "tolerance": TOL, "queries": QUERIES, "documents": DOCUMENTS,
        "query": _sparse_rows(q), "document": _sparse_rows(d), "queryTop3": _sparse_rows(q3),
        "pairs": [{"q": i, "d": j, "score": float(sims[i, j])} for i, j in _pairs()],
        "decoded": [[t, float(w)] for t, w in model.decode(q[0], top_k=5)],
    }
    g.update(extra or {})
    return g


def _export_mlm(model, folder: Path, tok) -> float:
    # As the Hub's SPLADE exports (Optimum's fill-mask task): MaskedLM logits [batch, seq, vocab].
    c.export_onnx(model, folder, ["input_ids", "attention_mask", "token_type_ids"], "logits")
    return c.check_onnx(folder, model, tok, ["input_ids", "attention_mask", "token_type_ids"], "logits", DOCUMENTS)


# ---------------------------------------------------------------------------------------------
# SPLADE: MLMTransformer + SpladePooling
# ---------------------------------------------------------------------------------------------


def splade_cell(name: str, seed: int, pooling: str, activation: str) -> None:
    from sentence_transformers import SparseEncoder
    from sentence_transformers.base.modules import Transformer
    from sentence_transformers.sparse_encoder.modules import SpladePooling

    folder = c.fresh(OUT / name)
    tok = c.bert_tokenizer()
    model = _mlm(tok, seed)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        modules = [Transformer(tmp, transformer_task="fill-mask", max_seq_length=c.MAX_LEN),
                   SpladePooling(pooling_strategy=pooling, activation_function=activation)]
        SparseEncoder(modules=modules, device="cpu").save(str(folder))
    st = SparseEncoder(str(folder), device="cpu")
    c.assert_tokenization(st.tokenizer, c.saved_tokenizer(folder), texts=QUERIES + DOCUMENTS)
    golden = _sparse_golden(st, f"sparse/{name}", {"pooling": pooling, "activation": activation})
    golden["variants"] = _splade_variants(model, tok, pooling, activation)
    err = _export_mlm(model, folder, tok)
    assert err < 1e-4, f"ONNX export differs from torch by {err}"
    golden["onnxExportError"] = err
    _write_golden(folder, golden)
    if name == "splade-max":
        _st5_copy(folder, f"{name}-st5", golden)
    c.strip_weights(folder)
    print(f"sparse/{name}: onnx err {err:.2e}, active dims {[len(r['indices']) for r in golden['document']]}")


def _splade_variants(model, tok, pooling: str, activation: str) -> dict:
    """Documents' vectors under wrong choices, from the same weights (for the sensitivity checks)."""
    enc = tok(DOCUMENTS, padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**enc).logits
    mask = enc["attention_mask"].unsqueeze(-1).float()

    def pool(act: str, strategy: str, use_mask: bool = True):
        x = torch.relu(logits * mask if use_mask else logits)
        x = torch.log1p(x)
        if act == "log1p_relu":
            x = torch.log1p(x)
        return x.max(dim=1).values if strategy == "max" else x.sum(dim=1)

    other_act = "relu" if activation == "log1p_relu" else "log1p_relu"
    other_pool = "sum" if pooling == "max" else "max"
    return {
        "wrong_activation": _sparse_rows(pool(other_act, pooling)),
        "wrong_pooling": _sparse_rows(pool(activation, other_pool)),
        "padding_not_masked": _sparse_rows(pool(activation, pooling, use_mask=False)),
    }


# ---------------------------------------------------------------------------------------------
# Inference-free SPLADE: Router(query = SparseStaticEmbedding IDF, document = MLM + SpladePooling)
# ---------------------------------------------------------------------------------------------


def inference_free_cell(name: str, seed: int) -> None:
    from sentence_transformers import SparseEncoder
    from sentence_transformers.base.modules import Router, Transformer
    from sentence_transformers.sparse_encoder.modules import SparseStaticEmbedding, SpladePooling

    folder = c.fresh(OUT / name)
    tok = c.bert_tokenizer()
    model = _mlm(tok, seed)
    g = torch.Generator().manual_seed(seed + 1)
    # IDF-like weights: positive, larger for rarer ids, a tenth of the vocabulary never seen (0).
    idf = 0.5 + 4.0 * torch.rand(len(tok), generator=g)
    idf[torch.rand(len(tok), generator=g) < 0.1] = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        doc = [Transformer(tmp, transformer_task="fill-mask", max_seq_length=c.MAX_LEN),
               SpladePooling(pooling_strategy="max", activation_function="log1p_relu")]
        query = [SparseStaticEmbedding(tokenizer=doc[0].tokenizer, weight=idf.clone(), frozen=True)]
        router = Router.for_query_document(query_modules=query, document_modules=doc)
        SparseEncoder(modules=[router], similarity_fn_name="dot", device="cpu").save(str(folder))
    st = SparseEncoder(str(folder), device="cpu")
    golden = _sparse_golden(st, f"sparse/{name}", {"pooling": "max", "activation": "log1p_relu"})
    # Wrong query sides: special tokens added ([CLS]/[SEP] carry IDF weights too), counts instead of
    # presence, and the document route used for queries.
    enc = [tok(q, truncation=True, add_special_tokens=True)["input_ids"] for q in QUERIES]
    with_specials = torch.zeros(len(QUERIES), len(tok))
    counts = torch.zeros(len(QUERIES), len(tok))
    for i, ids in enumerate(enc):
        with_specials[i, ids] = idf[ids]
        for t in ids[1:-1]:
            counts[i, t] += idf[t]
    golden["queryVariants"] = {
        "special_tokens_added": _sparse_rows(with_specials),
        "counts_not_presence": _sparse_rows(counts),
        "document_route": _sparse_rows(st.encode_document(QUERIES, convert_to_tensor=True, convert_to_sparse_tensor=False)),
    }
    # The ONNX graph sits in the Transformer module's own folder, where sentence-transformers'
    # ONNX backend looks for a routed module.
    err = _export_mlm(model, folder / "document_0_Transformer", tok)
    assert err < 1e-4, f"ONNX export differs from torch by {err}"
    golden["onnxExportError"] = err
    _write_golden(folder, golden)
    _st5_copy(folder, f"{name}-st5", golden)
    c.strip_weights(folder / "document_0_Transformer")
    c.strip_weights(folder)
    print(f"sparse/{name}: onnx err {err:.2e}, query dims {[len(r['indices']) for r in golden['query']]}")


# ---------------------------------------------------------------------------------------------
# bge-m3: XLM-R + dense CLS (sentence-transformers files) + sparse_linear.pt + colbert_linear.pt
# ---------------------------------------------------------------------------------------------


def _m3_outputs(model, sparse_linear, colbert_linear, tok, texts: list[str], variant: str | None = None) -> dict:
    """FlagEmbedding's BGEM3FlagModel.encode on the same weights: dense = normalized CLS; lexical
    weights = relu(sparse_linear(h)) per position, max per token id, CLS / EOS / PAD / UNK dropped;
    ColBERT = normalize(colbert_linear(h[1:])) over the real tokens (EOS kept, CLS dropped).
    `variant` names one deliberate mistake, for the sensitivity checks."""
    out = {"dense": [], "sparse": [], "colbert": [], "ids": []}
    unused = set() if variant == "special_tokens_kept" else {tok.cls_token_id, tok.eos_token_id, tok.pad_token_id, tok.unk_token_id}
    enc = tok(texts, padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        h = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
        dense = torch.nn.functional.normalize(h[:, 0], dim=-1)
        weights = torch.relu(sparse_linear(h)).squeeze(-1)
        colbert = colbert_linear(h)
        if variant != "colbert_unnormalized":
            colbert = torch.nn.functional.normalize(colbert, dim=-1)
    for i in range(len(texts)):
        n = int(enc["attention_mask"][i].sum())
        ids = enc["input_ids"][i, :n].tolist()
        best: dict[int, float] = {}
        for w, t in zip(weights[i, :n].tolist(), ids):
            if t not in unused and w > 0:
                best[t] = best.get(t, 0.0) + w if variant == "sum_per_token_id" else max(best.get(t, 0.0), w)
        keys = sorted(best)
        rows = {"colbert_cls_kept": (0, n - 1), "colbert_eos_dropped": (1, n - 1)}.get(variant or "", (1, n))
        out["ids"].append(ids)
        out["dense"].append(dense[i].tolist())
        out["sparse"].append({"indices": keys, "values": [best[k] for k in keys]})
        out["colbert"].append(colbert[i, rows[0]:rows[1]].tolist())
    return out


def _m3_moved(good: dict, bad: dict, head: str) -> dict:
    """How far a wrong variant's document outputs are from the right ones: max abs difference (a
    ColBERT matrix compares its common rows) and whether any row count differs."""
    worst, rows_differ = 0.0, False
    for a, b in zip(good[head], bad[head]):
        if head == "sparse":
            x, y = dict(zip(a["indices"], a["values"])), dict(zip(b["indices"], b["values"]))
            worst = max([worst] + [abs(x.get(k, 0.0) - y.get(k, 0.0)) for k in set(x) | set(y)])
        else:
            n = min(len(a), len(b))
            rows_differ = rows_differ or len(a) != len(b)
            worst = max(worst, float(np.abs(np.array(a[:n]) - np.array(b[:n])).max()))
    return {"maxDiff": worst, "rowsDiffer": rows_differ}


def _m3_scores(q: dict, d: dict, i: int, j: int) -> dict:
    """BGEM3FlagModel's three scores: dense dot, lexical matching (sum over shared ids of the
    product), ColBERT (mean over query vectors of the best document match)."""
    qs, ds = q["sparse"][i], d["sparse"][j]
    lex = dict(zip(ds["indices"], ds["values"]))
    sparse = sum(w * lex.get(t, 0.0) for t, w in zip(qs["indices"], qs["values"]))
    qc, dc = np.array(q["colbert"][i]), np.array(d["colbert"][j])
    colbert = float((qc @ dc.T).max(-1).sum() / qc.shape[0])
    dense = float(np.dot(q["dense"][i], d["dense"][j]))
    return {"dense": dense, "sparse": float(sparse), "colbert": colbert}


def bge_m3_cell(name: str, seed: int) -> None:
    import transformers as tf
    from sentence_transformers import SentenceTransformer

    folder = c.fresh(OUT / name)
    tok = c.xlmr_tokenizer()
    cfg = tf.XLMRobertaConfig(vocab_size=len(tok), hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=2,
                              intermediate_size=64, max_position_embeddings=c.MAX_LEN + 2, type_vocab_size=1,
                              pad_token_id=tok.pad_token_id, bos_token_id=tok.cls_token_id, eos_token_id=tok.sep_token_id)
    cfg._attn_implementation = "eager"
    model = c.scale_weights(tf.XLMRobertaModel(cfg, add_pooling_layer=False), seed)
    sparse_linear = c.scale_weights(torch.nn.Linear(HIDDEN, 1), seed + 1)
    colbert_linear = c.scale_weights(torch.nn.Linear(HIDDEN, HIDDEN), seed + 2)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    torch.save(sparse_linear.state_dict(), folder / "sparse_linear.pt")
    torch.save(colbert_linear.state_dict(), folder / "colbert_linear.pt")
    # BAAI/bge-m3's sentence-transformers files (2.2.2 format): CLS pooling, then Normalize.
    c.write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    c.write_json(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False})
    (folder / "2_Normalize").mkdir()
    c.write_json(folder / "sentence_bert_config.json", {"max_seq_length": c.MAX_LEN, "do_lower_case": False})
    c.write_json(folder / "config_sentence_transformers.json",
                 {"__version__": {"sentence_transformers": "2.2.2", "transformers": "4.33.0", "pytorch": "2.1.2+cu121"}})
    st = SentenceTransformer(str(folder), device="cpu")
    c.assert_tokenization(st.tokenizer, c.saved_tokenizer(folder), texts=QUERIES + DOCUMENTS)
    q = _m3_outputs(model, sparse_linear, colbert_linear, tok, QUERIES)
    d = _m3_outputs(model, sparse_linear, colbert_linear, tok, DOCUMENTS)
    st_dense = st.encode(DOCUMENTS, convert_to_tensor=True)
    dense_diff = float((st_dense - torch.tensor(d["dense"])).abs().max())
    assert dense_diff < 1e-5, f"SentenceTransformer's dense output differs from the CLS formula ({dense_diff})"
    unk = tok.unk_token_id
    assert any(unk in ids for ids in q["ids"] + d["ids"]), "no text exercises the <unk> skip"
    variants, moved = {}, {}
    for v in ("special_tokens_kept", "sum_per_token_id", "colbert_cls_kept", "colbert_eos_dropped", "colbert_unnormalized"):
        vq = _m3_outputs(model, sparse_linear, colbert_linear, tok, QUERIES, v)
        vd = _m3_outputs(model, sparse_linear, colbert_linear, tok, DOCUMENTS, v)
        variants[v] = [_m3_scores(vq, vd, i, j)["colbert" if v.startswith("colbert") else "sparse"] for i, j in _pairs()]
        moved[v] = _m3_moved(d, vd, "colbert" if v.startswith("colbert") else "sparse")
    golden = {
        "cell": f"sparse/{name}", "scoreType": "bge-m3",
        "reference": "FlagEmbedding BGEM3FlagModel.encode formulas on the same weights (dense also SentenceTransformer.encode)",
        "versions": c.versions(), "tolerance": TOL, "queries": QUERIES, "documents": DOCUMENTS,
        "query": q, "document": d,
        "pairs": [{"q": i, "d": j, **_m3_scores(q, d, i, j)} for i, j in _pairs()],
        "variants": variants, "variantOutputMoves": moved,
    }
    c.export_onnx(model, folder, ["input_ids", "attention_mask"], "last_hidden_state")
    err = c.check_onnx(folder, model, tok, ["input_ids", "attention_mask"], "last_hidden_state", DOCUMENTS)
    assert err < 1e-4, f"ONNX export differs from torch by {err}"
    golden["onnxExportError"] = err
    _write_golden(folder, golden)
    c.strip_weights(folder)
    print(f"sparse/{name}: onnx err {err:.2e}, lexical dims {[len(r['indices']) for r in d['sparse']]}")


# ---------------------------------------------------------------------------------------------
# Static embeddings: sentence-transformers StaticEmbedding and the model2vec layout
# ---------------------------------------------------------------------------------------------

STATIC_DIM = 16


LONG_TEXTS = ["city " * 600, "a " * 700]


def _static_golden(name: str, q: np.ndarray, d: np.ndarray, variants: dict, reference: str) -> dict:
    def cos(a, b):
        return float(np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))

    return {
        "cell": f"static/{name}", "scoreType": "bi-encoder", "reference": reference, "versions": c.versions(),
        "tolerance": TOL, "queries": QUERIES, "documents": DOCUMENTS,
        "queryEmbeddings": q.tolist(), "documentEmbeddings": d.tolist(),
        "pairs": [{"q": i, "d": j, "score": cos(q[i], d[j])} for i, j in _pairs()],
        "variants": variants, "variantsOver": "queries + documents",
    }


def _bag(W: np.ndarray, ids_list: list[list[int]], reduce: str = "mean") -> np.ndarray:
    out = np.zeros((len(ids_list), W.shape[1]), dtype=np.float32)
    for i, ids in enumerate(ids_list):
        if ids:
            rows = W[ids].astype(np.float64)
            out[i] = rows.mean(0) if reduce == "mean" else rows.sum(0)
    return out


def _normalize(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), eps)


def static_st_cell(name: str, seed: int, normalize: bool) -> None:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules import Normalize
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    folder = c.fresh(OUT / name)
    raw = c.wordpiece()
    W = (c.WEIGHT_STD * torch.randn(raw.get_vocab_size(), STATIC_DIM, generator=torch.Generator().manual_seed(seed))).numpy()
    modules = [StaticEmbedding(raw, embedding_weights=W)] + ([Normalize()] if normalize else [])
    SentenceTransformer(modules=modules, device="cpu").save(str(folder))
    st = SentenceTransformer(str(folder), device="cpu")
    q = st.encode_query(QUERIES, convert_to_numpy=True)
    d = st.encode_document(DOCUMENTS, convert_to_numpy=True)
    both = QUERIES + DOCUMENTS
    ids = [e.ids for e in raw.encode_batch(both, add_special_tokens=False)]
    with_specials = [e.ids for e in raw.encode_batch(both, add_special_tokens=True)]
    mean = _bag(W, ids)
    assert np.abs((_normalize(mean) if normalize else mean)[len(QUERIES):] - d).max() < 1e-5, "the embedding-bag formula differs from StaticEmbedding"
    post = _normalize if normalize else (lambda x: x)
    variants = {"special_tokens_added": post(_bag(W, with_specials)).tolist()}
    # Sum instead of mean is invisible after normalization; without it, the mean is what is checked.
    variants.update({"not_normalized": mean.tolist()} if normalize else {"sum_not_mean": _bag(W, ids, "sum").tolist()})
    golden = _static_golden(name, q, d, variants, "SentenceTransformer.encode_query / encode_document (StaticEmbedding), cosine")
    _write_golden(folder, golden)
    for p in folder.rglob("README.md"):
        p.unlink()
    if normalize:
        _static_hub_layout(folder, golden)
    print(f"static/{name}: ok")


def _static_hub_layout(folder: Path, golden: dict) -> None:
    """Rewrites the save as the Hub's static models are laid out (sentence-transformers 3.x/4.x:
    `0_StaticEmbedding/` with the weights and tokenizer, `sentence_transformers.models.*` types)
    and checks that sentence-transformers 6 still encodes it the same."""
    import shutil

    from sentence_transformers import SentenceTransformer

    sub = folder / "0_StaticEmbedding"
    sub.mkdir()
    for f in ("model.safetensors", "tokenizer.json"):
        shutil.move(str(folder / f), str(sub / f))
    c.write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "0_StaticEmbedding", "type": "sentence_transformers.models.StaticEmbedding"},
        {"idx": 1, "name": "1", "path": "1_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    cfg = c.read_json(folder / "config_sentence_transformers.json")
    cfg["__version__"] = {"sentence_transformers": "3.3.0", "transformers": "4.46.2", "pytorch": "2.5.1+cu124"}
    cfg.pop("model_type", None)
    c.write_json(folder / "config_sentence_transformers.json", cfg)
    d = SentenceTransformer(str(folder), device="cpu").encode_document(DOCUMENTS, convert_to_numpy=True)
    diff = float(np.abs(d - np.array(golden["documentEmbeddings"])).max())
    assert diff < 1e-6, f"the Hub layout encodes differently ({diff})"


def _model2vec_ids(raw, texts: list[str], max_length: int = 512, keep_unk: bool = False, specials: bool = False) -> list[list[int]]:
    vocab = raw.get_vocab()
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    median = int(np.median([len(t) for t in tokens]))
    unk = vocab[raw.model.unk_token] if getattr(raw.model, "unk_token", None) is not None else None
    cut = [t[: max_length * median] for t in texts]
    ids = [e.ids for e in raw.encode_batch(cut, add_special_tokens=specials)]
    if unk is not None and not keep_unk:
        ids = [[i for i in row if i != unk] for row in ids]
    return [row[:max_length] for row in ids]


def _model2vec_encode(W: np.ndarray, raw, texts: list[str], normalize: bool, max_length: int = 512,
                      keep_unk: bool = False, specials: bool = False) -> np.ndarray:
    """model2vec's StaticModel.encode (model2vec 0.7, model.py `tokenize` / `_encode_batch`): texts
    cut to max_length * median token length characters, tokens without special tokens, the unknown
    token removed, at most max_length tokens, mean of the rows (zeros when nothing is left), then
    x / (norm + 1e-32) when the config says normalize."""
    out = _bag(W, _model2vec_ids(raw, texts, max_length, keep_unk, specials)).astype(np.float64)
    if normalize:
        out = out / (np.linalg.norm(out, axis=1, keepdims=True) + 1e-32)
    return out.astype(np.float32)


def model2vec_cell(name: str, seed: int, dtype: str) -> None:
    import json

    from safetensors.numpy import save_file

    folder = c.fresh(OUT / name)
    raw = c.wordpiece()
    W = (c.WEIGHT_STD * torch.randn(raw.get_vocab_size(), STATIC_DIM, generator=torch.Generator().manual_seed(seed))).numpy()
    W = W.astype(dtype)
    save_file({"embeddings": W}, str(folder / "model.safetensors"))
    raw.save(str(folder / "tokenizer.json"), pretty=False)
    (folder / "config.json").write_text(json.dumps({
        "model_type": "model2vec", "architectures": ["StaticModel"], "tokenizer_name": "bert-base-uncased",
        "apply_pca": STATIC_DIM, "apply_zipf": True, "hidden_dim": STATIC_DIM, "seq_length": 1000000,
        "normalize": True, "embedding_dtype": dtype}, indent=4))
    Wf = W.astype(np.float32)
    q = _model2vec_encode(Wf, raw, QUERIES, True)
    d = _model2vec_encode(Wf, raw, DOCUMENTS, True)
    # Cross-check the embedding bag against sentence-transformers' StaticEmbedding on the texts
    # without unknown tokens (it neither drops [UNK] nor normalizes).
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    unk = raw.token_to_id("[UNK]")
    if dtype == "float32":
        se = StaticEmbedding.load(str(folder))
        clean = [t for t in DOCUMENTS if unk not in raw.encode(t, add_special_tokens=False).ids]
        with torch.no_grad():
            st_mean = se(se.preprocess(clean))["sentence_embedding"].numpy()
        assert np.abs(_normalize(st_mean) - _model2vec_encode(Wf, raw, clean, True)).max() < 1e-5, "model2vec formula disagrees with StaticEmbedding"
    both = QUERIES + DOCUMENTS
    variants = {
        "unknown_token_kept": _model2vec_encode(Wf, raw, both, True, keep_unk=True).tolist(),
        "special_tokens_added": _model2vec_encode(Wf, raw, both, True, specials=True).tolist(),
        "not_normalized": _model2vec_encode(Wf, raw, both, False).tolist(),
        "truncated_to_16_tokens": _model2vec_encode(Wf, raw, both, True, max_length=16).tolist(),
    }
    golden = _static_golden(name, q, d, variants, "model2vec StaticModel.encode formula (model2vec 0.7 model.py), cosine")
    golden["textIds"] = _model2vec_ids(raw, both)
    # Cut first by characters (512 x the median token length), then to 512 tokens.
    golden["longTexts"] = [{"text": t, "ids": ids} for t, ids in zip(LONG_TEXTS, _model2vec_ids(raw, LONG_TEXTS))]
    _write_golden(folder, golden)
    print(f"static/{name}: ok")


ST5_TYPES = {
    "Transformer": "sentence_transformers.sparse_encoder.models.MLMTransformer",
    "SpladePooling": "sentence_transformers.sparse_encoder.models.SpladePooling",
    "SparseStaticEmbedding": "sentence_transformers.sparse_encoder.models.SparseStaticEmbedding",
    "Router": "sentence_transformers.models.Router",
}


def _st5_copy(folder: Path, name: str, golden: dict) -> None:
    """The same model as sentence-transformers 5.x saved SparseEncoders (naver/splade-v3,
    opensearch-project's inference-free models): `sparse_encoder.models.*` module types, an
    MLMTransformer folder named after it, `word_embedding_dimension` in SpladePooling."""
    import json
    import shutil

    from sentence_transformers import SparseEncoder

    old = OUT / name
    c.copy_folder(folder, old)
    (old / "golden.json").unlink()
    modules = c.read_json(old / "modules.json")
    for m in modules:
        m["type"] = ST5_TYPES[m["type"].rsplit(".", 1)[1]]
    c.write_json(old / "modules.json", modules)
    router = old / "router_config.json"
    if router.exists():
        cfg = c.read_json(router)
        renamed = {}
        for key, typ in cfg["types"].items():
            new_key = key.replace("_Transformer", "_MLMTransformer")
            if new_key != key:
                shutil.move(str(old / key), str(old / new_key))
            renamed[new_key] = ST5_TYPES[typ.rsplit(".", 1)[1]]
        cfg["types"] = renamed
        cfg["structure"] = {r: [k.replace("_Transformer", "_MLMTransformer") for k in ks] for r, ks in cfg["structure"].items()}
        router.write_text(json.dumps(cfg, indent=4))
    for pool in old.rglob("*SpladePooling/config.json"):
        p = c.read_json(pool)
        p["word_embedding_dimension"] = p.pop("embedding_dimension")
        c.write_json(pool, p)
    for sb in old.rglob("sentence_bert_config.json"):
        c.write_json(sb, {"max_seq_length": c.MAX_LEN, "do_lower_case": False})
    st_cfg = c.read_json(old / "config_sentence_transformers.json")
    st_cfg["__version__"] = {"sentence_transformers": "5.0.0", "transformers": "4.50.3", "pytorch": "2.6.0+cu124"}
    c.write_json(old / "config_sentence_transformers.json", st_cfg)
    again = _sparse_golden(SparseEncoder(str(old), device="cpu"), golden["cell"])
    diff = max(abs(a["score"] - b["score"]) for a, b in zip(again["pairs"], golden["pairs"]))
    assert diff < 1e-5, f"5.x-format copy {old} scores differently ({diff})"
    for p in [*old.rglob("model.safetensors"), *old.rglob("README.md")]:
        if "SparseStaticEmbedding" not in str(p.parent):
            p.unlink()
    print(f"sparse/{name}: 5.x copy scores the same ({diff:.1e})")


CELLS = {
    "splade-max": lambda: splade_cell("splade-max", 41, "max", "relu"),
    "splade-sum": lambda: splade_cell("splade-sum", 42, "sum", "log1p_relu"),
    "inference-free": lambda: inference_free_cell("inference-free", 43),
    "bge-m3": lambda: bge_m3_cell("bge-m3", 44),
    "static-st": lambda: static_st_cell("static-st", 45, normalize=False),
    "static-st-normalize": lambda: static_st_cell("static-st-normalize", 46, normalize=True),
    "model2vec": lambda: model2vec_cell("model2vec", 47, "float32"),
    "model2vec-f16": lambda: model2vec_cell("model2vec-f16", 48, "float16"),
}


if __name__ == "__main__":
    wanted = sys.argv[1:] or list(CELLS)
    for name in wanted:
        CELLS[name]()
