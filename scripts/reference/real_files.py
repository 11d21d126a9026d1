"""Real-file cells: tiny random models built on genuine Hub tokenizers and configs.

Each cell keeps a popular model's real files (tokenizer.json byte for byte, tokenizer and
sentence-transformers configs, the model config with its vocabulary size) and shrinks only the
dimensions (hidden size, layers, heads), so the ONNX stays small while every path a user's download
takes (the real normalizer, special tokens, old-format sentence-transformers files, the real chat
template) is what rerank-kit runs. Goldens come from the Python references on the same weights:

  encoders/cross/ms-marco-minilm-l6-real   cross-encoder/ms-marco-MiniLM-L-6-v2 (CrossEncoder.predict,
                                           old-format config: activation in config.json)
  encoders/bi/all-minilm-l6-v2-real        sentence-transformers/all-MiniLM-L6-v2 (ST 2.0 files:
                                           legacy pooling keys, Normalize; encode_query/encode_document)
  decoders/qwen3-embedding-real            Qwen/Qwen3-Embedding-0.6B (real prompts, last-token pooling,
                                           <|endoftext|> appended by the real post-processor)
  llm-rerankers/qwen3-reranker-real        Qwen/Qwen3-Reranker-0.6B (Qwen3ForCausalLM, real 151,669-token
                                           tokenizer and chat template; logit[yes] - logit[no])

The real files are read from test/golden/real-files (tokenizers) and REAL_FILES (configs: the shared
copy of public Hub files; its SOURCES.md gives each file's origin, see each cell's README.md).

    python3 scripts/reference/real_files.py [cross|bi|qwen3 ...]

Developer tool: `npm test` only reads the committed output.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

# Text-only: torchvision is never needed here, and a torchvision built for another torch breaks
# the transformers import.
sys.modules.setdefault("torchvision", None)  # type: ignore[arg-type]

import torch

import common_encoders as c

REPO = Path(__file__).resolve().parents[2]
REAL = REPO / "test" / "golden" / "real-files"
REAL_FILES = Path(os.environ.get("REAL_FILES", "/work/shared/real-files"))
TOL = 1e-4

# Hard texts next to plain ones: the Greek capitals and astral ideographs that tokenized differently
# in JavaScript before rust-parity.ts.
HARD_QUERIES = ["\u039f\u0394\u039f\u03a3 \u039a\u0391\u0399 \u03a3\u039f\u03a6\u0399\u0391", "\U00020bb7\u91ce\u5bb6 \u725b\u4e3c"]
HARD_DOCUMENTS = [
    "\u0397 \u039f\u0394\u039f\u03a3 \u03a4\u0397\u03a3 \u0391\u0398\u0397\u039d\u0391\u03a3 \u03b5\u03af\u03bd\u03b1\u03b9 \u03bc\u03b1\u03ba\u03c1\u03b9\u03ac.",
    "a\U00020bb7b\U0002a6a5c \u6771\u4eac GPU\u52a0\u901f",
    "\ufb01nance \u0130stanbul Stra\u00dfe caf\u00e9 na\u00efve \U0001f468\u200d\U0001f469\u200d\U0001f467",
]


def _edit_json(src: Path, dst: Path, **changes) -> dict:
    data = json.loads(src.read_text(encoding="utf-8"))
    data.update(changes)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return data


def _copy(src_dir: Path, dst: Path, names: list[str]) -> None:
    for name in names:
        (dst / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src_dir / name, dst / name)


def _eager(cfg):
    cfg._attn_implementation = "eager"
    return cfg


BERT_SHRINK = dict(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32)


def _write_readme(folder: Path, model_id: str, real_dir: str, changed: str) -> None:
    (folder / "README.md").write_text(
        f"# Tiny random model on the real files of `{model_id}`\n\n"
        f"Written by `scripts/reference/real_files.py`. The tokenizer files are the genuine Hub files (see\n"
        f"`test/golden/real-files/README.md`; `{real_dir}` there); the configs are the Hub's with only\n"
        f"{changed} changed. The weights are random (seeded, std 0.3): only the parity with the Python\n"
        f"reference on these weights means anything.\n",
        encoding="utf-8",
    )


def cross_cell() -> None:
    from sentence_transformers import CrossEncoder
    from transformers import BertConfig, BertForSequenceClassification

    name = "cross-encoder__ms-marco-MiniLM-L-6-v2"
    folder = c.fresh(c.OUT / "cross" / "ms-marco-minilm-l6-real")
    _copy(REAL / name, folder, ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"])
    _copy(REAL_FILES / name, folder, ["vocab.txt"])
    cfg_json = json.loads((REAL_FILES / name / "config.json").read_text())
    model = BertForSequenceClassification(_eager(BertConfig.from_dict({**cfg_json, **BERT_SHRINK})))
    model = c.scale_weights(model, 2026120601)
    model.save_pretrained(str(folder))
    _edit_json(REAL_FILES / name / "config.json", folder / "config.json", **BERT_SHRINK)
    ce = CrossEncoder(str(folder), device="cpu")
    assert isinstance(ce.activation_fn, torch.nn.Identity), ce.activation_fn
    queries = c.QUERIES + HARD_QUERIES
    pairs = [(c.QUERIES[0], d) for d in c.DOCUMENTS] + list(zip(c.QUERIES, c.DOCUMENTS[1:4]))
    pairs += [(q, d) for q in HARD_QUERIES for d in HARD_DOCUMENTS]
    tok = ce.tokenizer
    c.assert_tokenization(tok, c.saved_tokenizer(folder), pairs=pairs, want_type_ids=True)
    scores = [float(s) for s in ce.predict(pairs, batch_size=4)]
    names = ["input_ids", "attention_mask", "token_type_ids"]
    c.export_onnx(model, folder, names, "logits")
    err = c.check_onnx(folder, model, tok, names, "logits", ([p[0] for p in pairs], [p[1] for p in pairs]))
    assert err < 1e-5, f"ONNX export differs from torch by {err}"
    enc = [tok(q, d, truncation=True) for q, d in pairs]

    def run(ids, types):
        feeds = {"input_ids": torch.tensor([ids]), "attention_mask": torch.ones(1, len(ids), dtype=torch.long), "token_type_ids": torch.tensor([types])}
        with torch.no_grad():
            return float(model(**feeds).logits[0, 0])

    variants = {
        "no_final_separator": [run(e["input_ids"][:-1], e["token_type_ids"][:-1]) for e in enc],
        "zero_token_types": [run(e["input_ids"], [0] * len(e["input_ids"])) for e in enc],
    }
    c.write_json(folder / "golden.json", {
        "cell": "cross/ms-marco-minilm-l6-real", "scoreType": "cross-encoder", "reference": "CrossEncoder.predict",
        "versions": c.versions(), "tolerance": TOL, "activation": "identity", "queries": queries,
        "pairs": [{"query": q, "document": d, "score": s, "ids": e["input_ids"], "typeIds": e["token_type_ids"]}
                  for (q, d), s, e in zip(pairs, scores, enc)],
        "variants": variants, "onnxExportError": err,
    })
    c.strip_weights(folder)
    _write_readme(folder, "cross-encoder/ms-marco-MiniLM-L-6-v2", name, "the dimensions (" + ", ".join(f"{k} {v}" for k, v in BERT_SHRINK.items()) + ")")
    print(f"cross/ms-marco-minilm-l6-real: {len(pairs)} pairs, onnx err {err:.2e}")


def bi_cell() -> None:
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertModel

    name = "sentence-transformers__all-MiniLM-L6-v2"
    folder = c.fresh(c.OUT / "bi" / "all-minilm-l6-v2-real")
    _copy(REAL / name, folder, ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"])
    _copy(REAL_FILES / name, folder, ["vocab.txt", "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json"])
    cfg_json = json.loads((REAL_FILES / name / "config.json").read_text())
    model = c.scale_weights(BertModel(_eager(BertConfig.from_dict({**cfg_json, **BERT_SHRINK}))), 2026120602)
    model.save_pretrained(str(folder))
    _edit_json(REAL_FILES / name / "config.json", folder / "config.json", **BERT_SHRINK)
    _edit_json(REAL_FILES / name / "1_Pooling" / "config.json", folder / "1_Pooling" / "config.json", word_embedding_dimension=BERT_SHRINK["hidden_size"])
    st = SentenceTransformer(str(folder), device="cpu")
    queries, documents = c.QUERIES + HARD_QUERIES, c.DOCUMENTS + HARD_DOCUMENTS
    # The Hub tokenizer.json pads to 128 (a training leftover that transformers ignores): compare unpadded.
    raw = c.saved_tokenizer(folder)
    raw.no_padding()
    c.assert_tokenization(st.tokenizer, raw, texts=queries + documents)
    q = st.encode_query(queries, convert_to_tensor=True)
    d = st.encode_document(documents, convert_to_tensor=True)
    sim = torch.nn.functional.cosine_similarity
    pairs = [(0, j) for j in range(len(documents))] + [(i, (i + 1) % len(documents)) for i in range(len(queries))]
    names = ["input_ids", "attention_mask", "token_type_ids"]
    c.export_onnx(model, folder, names, "last_hidden_state")
    err = c.check_onnx(folder, model, st.tokenizer, names, "last_hidden_state", documents)
    assert err < 1e-4, f"ONNX export differs from torch by {err}"
    # Sensitivity: without the Normalize module the vectors keep their norm (far from 1).
    raw = st.encode_document(documents, convert_to_tensor=True, normalize_embeddings=False)
    unnormalized = SentenceTransformer(modules=[st[0], st[1]], device="cpu").encode_document(documents, convert_to_tensor=True)
    c.write_json(folder / "golden.json", {
        "cell": "bi/all-minilm-l6-v2-real", "scoreType": "bi-encoder",
        "reference": "SentenceTransformer.encode_query / encode_document, cosine",
        "versions": c.versions(), "tolerance": TOL, "queries": queries, "documents": documents,
        "queryEmbeddings": q.tolist(), "documentEmbeddings": d.tolist(),
        "unnormalizedDocumentEmbeddings": unnormalized.tolist(),
        "pairs": [{"q": i, "d": j, "score": float(sim(q[i], d[j], dim=0))} for i, j in pairs],
        "onnxExportError": err, "normsBeforeNormalize": raw.norm(dim=-1).tolist(),
    })
    c.strip_weights(folder)
    _write_readme(folder, "sentence-transformers/all-MiniLM-L6-v2", name,
                  "the dimensions (" + ", ".join(f"{k} {v}" for k, v in BERT_SHRINK.items()) + "; `1_Pooling` word_embedding_dimension 16)")
    print(f"bi/all-minilm-l6-v2-real: onnx err {err:.2e}")


def qwen3_cell() -> None:
    import llm_rerankers as L
    from transformers import AutoTokenizer, Qwen3Config, Qwen3ForCausalLM

    name = "Qwen__Qwen3-Reranker-0.6B"
    folder = REPO / "test" / "golden" / "llm-rerankers" / "qwen3-reranker-real"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    _copy(REAL / name, folder, ["tokenizer.json"])
    _copy(REAL_FILES / name, folder, ["generation_config.json"])
    source = L.presets()["qwen3-reranker"]
    with tempfile.TemporaryDirectory() as tmp:
        _copy(REAL / name, Path(tmp), ["tokenizer.json", "tokenizer_config.json"])
        limit = L.fit_max_length(AutoTokenizer.from_pretrained(tmp), source)
    _edit_json(REAL / name / "tokenizer_config.json", folder / "tokenizer_config.json", model_max_length=limit)
    tok = AutoTokenizer.from_pretrained(str(folder))
    assert tok.model_max_length == limit and len(tok) == 151669, (tok.model_max_length, len(tok))
    shrink = dict(hidden_size=8, intermediate_size=16, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, head_dim=4)
    cfg_json = _edit_json(REAL_FILES / name / "config.json", folder / "config.json", **shrink)
    cfg = Qwen3Config.from_dict({**cfg_json, "torch_dtype": "float32"})
    cfg._attn_implementation = "eager"
    torch.manual_seed(L.SEED)
    lm = Qwen3ForCausalLM(cfg).eval().float()
    L.randomize(lm, L.SEED)
    lm.tie_weights()
    yes, no = tok.convert_tokens_to_ids("yes"), tok.convert_tokens_to_ids("no")
    pad = tok.convert_tokens_to_ids("<|endoftext|>")
    golden = L.score_cell(folder, lm, tok, source, yes, no, pad, {
        "reference": "Qwen3ForCausalLM on the real Qwen3-Reranker-0.6B tokenizer: logit[yes] - logit[no] at the last position, left padding",
        "hf_overrides": {"architectures": ["Qwen3ForSequenceClassification"], "classifier_from_token": ["no", "yes"], "is_original_qwen3_reranker": True},
    })
    (folder / "golden.json").write_text(json.dumps(golden, indent=1))
    (folder / "onnx").mkdir()
    L.export_kv(lm, folder / "onnx" / "model.onnx")
    _write_readme(folder, "Qwen/Qwen3-Reranker-0.6B", name,
                  "the dimensions (" + ", ".join(f"{k} {v}" for k, v in shrink.items()) + ") and `tokenizer_config.json`'s "
                  f"model_max_length ({limit}, so that the two long golden cases are truncated)")
    print(f"llm-rerankers/qwen3-reranker-real: {len(golden['cases'])} cases, limit {limit}")


def qwen3_embedding_cell() -> None:
    import decoders as D
    import numpy as np
    from sentence_transformers import SentenceTransformer
    from transformers import Qwen3Config, Qwen3Model

    name = "Qwen__Qwen3-Embedding-0.6B"
    folder = REPO / "test" / "golden" / "decoders" / "qwen3-embedding-real"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    _copy(REAL / name, folder, ["tokenizer.json", "tokenizer_config.json"])
    _copy(REAL_FILES / name, folder, ["modules.json", "config_sentence_transformers.json"])
    shrink = dict(hidden_size=8, intermediate_size=16, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, head_dim=4)
    cfg_json = json.loads((REAL_FILES / name / "config.json").read_text())
    cfg = Qwen3Config.from_dict({**cfg_json, **shrink, "torch_dtype": "float32"})
    cfg._attn_implementation = "eager"
    torch.manual_seed(D.SEED)
    model = Qwen3Model(cfg).eval().float()
    D.randomize(model, D.SEED)
    model.save_pretrained(str(folder), safe_serialization=True)
    _edit_json(REAL_FILES / name / "config.json", folder / "config.json", **shrink)
    _edit_json(REAL_FILES / name / "1_Pooling" / "config.json", folder / "1_Pooling" / "config.json", word_embedding_dimension=shrink["hidden_size"])
    # The real config says bfloat16, which transformers 5 would load: the reference runs in float32
    # like the ONNX graph.
    st = SentenceTransformer(str(folder), device="cpu", model_kwargs={"dtype": torch.float32})
    assert next(st[0].parameters()).dtype == torch.float32
    queries, documents = c.QUERIES + HARD_QUERIES, c.DOCUMENTS + HARD_DOCUMENTS
    eos = st.tokenizer.convert_tokens_to_ids("<|endoftext|>")
    assert st.tokenize(["ok"])["input_ids"][0][-1].item() == eos, "the real post-processor appends <|endoftext|>"
    q = st.encode_query(queries, convert_to_numpy=True, batch_size=4)
    d = st.encode_document(documents, convert_to_numpy=True, batch_size=4)
    no_prompt = st.encode(queries, convert_to_numpy=True)
    sens_prompt = float(np.abs(no_prompt - q).max())
    assert sens_prompt > 1e-2, sens_prompt
    (folder / "onnx").mkdir()
    D.export_plain(model, folder / "onnx" / "model.onnx")
    D.check_onnx(folder / "onnx" / "model.onnx")
    (folder / "model.safetensors").unlink()
    (folder / "golden.json").write_text(json.dumps({
        "versions": D.versions(), "reference": "SentenceTransformer.encode_query / encode_document (real prompts, normalized)",
        "queries": queries, "documents": documents, "query_embeddings": q.tolist(), "document_embeddings": d.tolist(),
        "query_ids": st.tokenize([st.prompts["query"] + t for t in queries])["input_ids"].tolist(),
        "sensitivity": {"prompt_dropped": sens_prompt},
    }, indent=1))
    _write_readme(folder, "Qwen/Qwen3-Embedding-0.6B", name,
                  "the dimensions (" + ", ".join(f"{k} {v}" for k, v in shrink.items()) + "; `1_Pooling` word_embedding_dimension 8)")
    print(f"decoders/qwen3-embedding-real: prompt sensitivity {sens_prompt:.3f}")


CELLS = {"cross": cross_cell, "bi": bi_cell, "qwen3": qwen3_cell, "qwen3-embedding": qwen3_embedding_cell}

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    for key in sys.argv[1:] or list(CELLS):
        CELLS[key]()
