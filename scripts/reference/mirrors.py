"""Mirror goldens: a transformers.js-style mirror (config.json + tokenizer + onnx/, no
sentence-transformers files) of the all-MiniLM-L6-v2 real-file cell, encoded by sentence-transformers
two ways on the same tiny weights:

  fallback  SentenceTransformer(<mirror folder>): sentence-transformers' own answer for a plain
            transformers folder (Transformer + mean Pooling, no Normalize)
  upstream  SentenceTransformer(<mirror folder + the upstream repo's modules.json, 1_Pooling,
            Normalize, sentence_bert_config.json, config_sentence_transformers.json>)

The torch weights are rebuilt from the cell's seed (real_files.bi_cell) and checked against the
committed ONNX file before anything is recorded, so the golden is of the file rerank-kit runs.

    python3 scripts/reference/mirrors.py

Writes test/golden/mirrors/golden.json. Developer tool: `npm test` only reads the committed output.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.modules.setdefault("torchvision", None)  # type: ignore[arg-type]

import numpy as np
import onnxruntime as ort
import torch

import common_encoders as c
import real_files as rf

CELL = c.OUT / "bi" / "all-minilm-l6-v2-real"
OUT = c.REPO / "test" / "golden" / "mirrors"
NAME = "sentence-transformers__all-MiniLM-L6-v2"
ST_FILES = ["modules.json", "sentence_bert_config.json", "config_sentence_transformers.json", "1_Pooling/config.json"]


def main() -> None:
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertModel

    cfg_json = json.loads((rf.REAL_FILES / NAME / "config.json").read_text())
    model = c.scale_weights(BertModel(rf._eager(BertConfig.from_dict({**cfg_json, **rf.BERT_SHRINK}))), 2026120602)
    queries, documents = c.QUERIES + rf.HARD_QUERIES, c.DOCUMENTS + rf.HARD_DOCUMENTS
    with tempfile.TemporaryDirectory() as tmp:
        mirror = Path(tmp) / "mirror"
        mirror.mkdir()
        model.save_pretrained(str(mirror))
        for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"]:
            shutil.copyfile(CELL / name, mirror / name)
        # The weights are the committed ONNX file's: compare on every text, padded.
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(mirror))
        enc = tok(documents + queries, padding=True, truncation=True, return_tensors="pt")
        feeds = {k: enc[k].numpy() for k in ["input_ids", "attention_mask", "token_type_ids"]}
        got = ort.InferenceSession(str(CELL / "onnx" / "model.onnx")).run(["last_hidden_state"], feeds)[0]
        with torch.no_grad():
            want = model(**{k: torch.from_numpy(v) for k, v in feeds.items()}).last_hidden_state.numpy()
        mask = feeds["attention_mask"][..., None]
        err = float(np.abs(got * mask - want * mask).max())
        assert err < 1e-4, f"rebuilt weights differ from the committed ONNX by {err}"

        fallback = SentenceTransformer(str(mirror), device="cpu")
        assert [type(m).__name__ for m in fallback] == ["Transformer", "Pooling"], list(fallback)
        upstream_dir = Path(tmp) / "upstream"
        shutil.copytree(mirror, upstream_dir)
        for name in ST_FILES:
            (upstream_dir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(CELL / name, upstream_dir / name)
        upstream = SentenceTransformer(str(upstream_dir), device="cpu")
        assert [type(m).__name__ for m in upstream] == ["Transformer", "Pooling", "Normalize"], list(upstream)
        fq, fd = fallback.encode_query(queries), fallback.encode_document(documents)
        uq, ud = upstream.encode_query(queries), upstream.encode_document(documents)
    OUT.mkdir(parents=True, exist_ok=True)
    c.write_json(OUT / "golden.json", {
        "cell": "bi/all-minilm-l6-v2-real (onnx/model.onnx), as a mirror folder",
        "reference": "SentenceTransformer(mirror).encode_query / encode_document: fallback = no sentence-transformers "
                     "files (Transformer + mean Pooling); upstream = with the upstream repo's modules.json, Pooling, Normalize",
        "versions": c.versions(), "tolerance": rf.TOL, "onnxWeightsError": err,
        "queries": queries, "documents": documents,
        "fallback": {"queryEmbeddings": fq.tolist(), "documentEmbeddings": fd.tolist(),
                     "documentNorms": np.linalg.norm(fd, axis=-1).tolist()},
        "upstream": {"queryEmbeddings": uq.tolist(), "documentEmbeddings": ud.tolist()},
    })
    print(f"mirrors: rebuilt weights vs committed ONNX {err:.2e}; fallback norms {np.linalg.norm(fd, axis=-1).min():.3f}..{np.linalg.norm(fd, axis=-1).max():.3f}")


if __name__ == "__main__":
    main()
