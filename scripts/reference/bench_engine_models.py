"""Bench models for the rows against other engines: SPLADE SparseEncoders and a static embedding
model (`npm run bench -- sparse`, bench/sparse.ts, against sentence-transformers) and CLS-pooled
bi-encoders (`npm run bench -- fastembed`, bench/fastembed.ts) at real shapes, made with
transformers / sentence-transformers, so rerank-kit and the other engine load the very same weights.

    python3 scripts/reference/bench_engine_models.py [--out bench/.models] [--only minilm|base|static|cls-minilm|cls-base]

Writes, under --out:
  st-splade-minilm/  BertForMaskedLM, MiniLM-L6 shape (6 layers, hidden 384, 12 heads), saved by
                     SparseEncoder as MLMTransformer + SpladePooling(max, relu), onnx/model.onnx
                     (`torch.onnx.export`, opset 17, MaskedLM logits [batch, seq, 30522]);
  st-splade-base/    the same at the BERT-base shape (12 layers, hidden 768, 12 heads);
  st-static-768/     StaticEmbedding 30522 x 768 over the bert-base-uncased vocabulary, saved by
                     SentenceTransformer (what static-retrieval-mrl-en-v1 is, at 768 dims).
  st-cls-minilm/, st-cls-base/
                     BertModel + Pooling(cls) + Normalize at both shapes (fastembed's only
                     pooling), onnx/model.onnx with output last_hidden_state, and the
                     special_tokens_map.json fastembed reads.
Weights are transformers' default init under a fixed torch seed (a speed fixture, not a parity
fixture: test/golden/sparse holds those), except the MLM bias, which is shifted so a passage
activates about 200 vocabulary ids, as trained SPLADE models do: with a zero bias half the
vocabulary would be active and the rows would time sparse-vector building, not the model.
A developer tool: `npm test` never needs Python.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.modules.setdefault("torchvision", None)

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_models as bm  # noqa: E402
import common_encoders as c  # noqa: E402

SHAPES = {
    "minilm": dict(hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536),
    "base": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072),
}
ACTIVE = 200
CALIBRATION = [
    "The city has a large museum and a university founded in the early years of the century.",
    "Water from the river was used by the national energy company during the second season.",
    "Research on language and music education is known in several countries of the world.",
    "what is the population of the capital city of the country",
]


def splade(out: Path, size: str, seed: int) -> Path:
    from sentence_transformers import SparseEncoder
    from sentence_transformers.base.modules import Transformer
    from sentence_transformers.sparse_encoder.modules import SpladePooling
    from transformers import BertConfig, BertForMaskedLM

    folder = c.fresh(out / f"st-splade-{size}")
    tok = bm.bert_base_uncased_tokenizer()
    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=len(tok), pad_token_id=tok.pad_token_id, max_position_embeddings=512, type_vocab_size=2, **SHAPES[size])
    model = BertForMaskedLM(cfg).eval()
    enc = tok(CALIBRATION, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**enc).logits
        pooled = (logits + (enc["attention_mask"][..., None] - 1) * 1e4).max(dim=1).values
        shift = float(pooled.topk(ACTIVE, dim=1).values[:, -1].median())
        model.cls.predictions.bias -= shift
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        modules = [Transformer(tmp, transformer_task="fill-mask", max_seq_length=bm.MAX_LEN),
                   SpladePooling(pooling_strategy="max", activation_function="relu")]
        SparseEncoder(modules=modules, device="cpu").save(str(folder))
    bm.export(model, folder, "logits")
    err = bm.check(folder, model, tok, "logits")
    assert err < 1e-3, f"SPLADE export differs from torch by {err}"
    st = SparseEncoder(str(folder), device="cpu")
    active = [int((row != 0).sum()) for row in st.encode(CALIBRATION, convert_to_tensor=True).to_dense()]
    print(f"st-splade-{size}: onnx err {err:.2e}, active dims {active}")
    return folder


def static(out: Path, seed: int, dim: int = 768) -> Path:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    folder = c.fresh(out / f"st-static-{dim}")
    raw = bm.bert_base_uncased_tokenizer().backend_tokenizer
    weights = 0.02 * torch.randn(raw.get_vocab_size(), dim, generator=torch.Generator().manual_seed(seed))
    SentenceTransformer(modules=[StaticEmbedding(raw, embedding_weights=weights.numpy())], device="cpu").save(str(folder))
    for p in folder.rglob("README.md"):
        p.unlink()
    print(f"st-static-{dim}: {raw.get_vocab_size()} x {dim}")
    return folder


def cls_bi(out: Path, size: str, seed: int) -> Path:
    import json

    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules import Normalize, Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling
    from transformers import BertConfig, BertModel

    folder = c.fresh(out / f"st-cls-{size}")
    tok = bm.bert_base_uncased_tokenizer()
    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=len(tok), pad_token_id=tok.pad_token_id, max_position_embeddings=512, type_vocab_size=2, **SHAPES[size])
    model = BertModel(cfg, add_pooling_layer=False).eval()
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        modules = [Transformer(tmp, max_seq_length=bm.MAX_LEN), Pooling(cfg.hidden_size, pooling_mode="cls"), Normalize()]
        SentenceTransformer(modules=modules, device="cpu").save(str(folder))
    bm.export(model, folder, "last_hidden_state")
    err = bm.check(folder, model, tok, "last_hidden_state")
    assert err < 1e-3, f"bi-encoder export differs from torch by {err}"
    specials = folder / "special_tokens_map.json"
    if not specials.exists():
        specials.write_text(json.dumps({k: getattr(tok, k) for k in ("cls_token", "sep_token", "pad_token", "unk_token", "mask_token")}))
    print(f"st-cls-{size}: onnx err {err:.2e}")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(c.REPO / "bench" / ".models"))
    parser.add_argument("--only", choices=["minilm", "base", "static", "cls-minilm", "cls-base"], default=None)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    out = Path(args.out)
    for size in ("minilm", "base"):
        if args.only in (None, size):
            splade(out, size, args.seed)
    if args.only in (None, "static"):
        static(out, args.seed)
    for size in ("minilm", "base"):
        if args.only in (None, f"cls-{size}"):
            cls_bi(out, size, args.seed)


if __name__ == "__main__":
    main()
