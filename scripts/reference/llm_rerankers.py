"""Generates the LLM-reranker goldens (developer tool, never run by npm test).

Tiny random decoders of the three LLM-reranker families, with byte-level BPE tokenizers that hold
their score tokens, saved in every layout rerank-kit loads, plus goldens from independent
references on the same weights:

  templates.json       score templates rendered by transformers' apply_chat_template
  qwen3-causal/        Qwen3ForCausalLM (tied), onnx-community layout (position_ids, past_key_values.*),
                       Qwen3-Reranker tokens yes/no; reference: transformers logits at the last token
  qwen3-logitscore/    the same weights saved by sentence-transformers 6 (Transformer + LogitScore,
                       chat_template.jinja); reference: CrossEncoder.predict, with and without truncation
  qwen3-seq-cls/       vLLM's convert_model_to_seq_cls (from_2_way_softmax: W_yes - W_no) applied to the
                       same weights, Qwen3ForSequenceClassification; reference: transformers
  qwen2-mxbai/         Qwen2ForCausalLM (untied head), tokens "0"/"1" (mxbai-rerank-v2 style)
  gemma-bge/           GemmaForCausalLM (tied), token "Yes", no_post_processing, <bos> from the tokenizer

Usage:  python3 scripts/reference/llm_rerankers.py [--out test/golden/llm-rerankers]
The score templates are read from src/templates/presets.ts (through tsx), so a changed preset
must be regenerated. Versions are written into each golden.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import sentence_transformers
import tokenizers
import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import (
    GemmaConfig,
    GemmaForCausalLM,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
    Qwen3Config,
    Qwen3ForCausalLM,
    Qwen3ForSequenceClassification,
)

SEED = 20261202
STD = 0.3  # sensitive fixtures: every token matters
MAX_LEN = 96  # small, so long documents are truncated

QUERIES = [
    "What is the capital of France?",
    "how do plants make food",
]
DOCUMENTS = [
    "Paris is the capital and most populous city of France.",
    "Photosynthesis lets plants turn sunlight, water and carbon dioxide into sugar.",
    "ok",
    " ".join(
        [
            "The history of the city goes back many centuries, with markets, bridges, churches,",
            "universities and a river that shaped trade. Travellers wrote about its streets,",
            "its food and its weather, and every generation rebuilt part of it after wars,",
            "fires and floods, so that today old and new buildings stand side by side.",
        ]
    ),
]
LONG_QUERY = " ".join(["tell me everything about the long and winding history of old cities"] * 16)
INSTRUCTION = "Given a question, find passages that answer it"


def presets() -> dict[str, str]:
    out = subprocess.run(
        ["npx", "tsx", "-e", 'import("./src/templates/presets.ts").then(m=>console.log(JSON.stringify(m.scoreTemplatePresets)))'],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def corpus(templates: dict[str, str]) -> list[str]:
    import collections, email, html, inspect, logging, string, textwrap

    texts = list(QUERIES) + list(DOCUMENTS) + [LONG_QUERY, INSTRUCTION] + list(templates.values())
    texts += ["yes\nno\nYes\nNo\n0\n1\n"] * 50
    for mod in [collections, email, html, logging, string, textwrap]:
        for _, obj in inspect.getmembers(mod):
            doc = inspect.getdoc(obj)
            if doc:
                texts.append(doc)
    return texts


def build_tokenizer(specials: list[str], texts: list[str], bos: str | None, vocab_size: int) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    if bos:
        bos_id = tok.token_to_id(bos)
        tok.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", pair=f"{bos} $A $B", special_tokens=[(bos, bos_id)]
        )
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    for t in ("yes", "no", "Yes", "0", "1"):
        assert tok.token_to_id(t) is not None, f"token {t!r} missing"
    return tok


GENERIC_CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def qwen_tokenizer(tok: Tokenizer, chat_template: str | None) -> PreTrainedTokenizerFast:
    t = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        model_max_length=MAX_LEN,
        padding_side="left",
    )
    t.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    if chat_template is not None:
        t.chat_template = chat_template
    return t


def gemma_tokenizer(tok: Tokenizer) -> PreTrainedTokenizerFast:
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        model_max_length=MAX_LEN,
        padding_side="left",
    )


def randomize(model: torch.nn.Module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_((0.0 if "gemma" in type(model).__name__.lower() else 1.0) + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(STD * torch.randn(p.shape, generator=g))


def versions() -> dict[str, str]:
    return {
        "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "tokenizers": tokenizers.__version__,
        "onnx": onnx.__version__,
    }


# --------------------------------------------------------------------------------------------
# templates


def template_goldens(out: Path, tpl: dict[str, str], qtok: PreTrainedTokenizerFast) -> None:
    extra = {
        # vLLM-style: ends in </think>\n\n, so the render ends in </think>\n; instruction fallbacks.
        "vllm-style-qwen3": (
            "<|im_start|>user\n<Instruct>: {{ instruction | default(instruct | default(messages | selectattr(\"role\", \"eq\", \"system\")"
            " | map(attribute=\"content\") | first | default(\"web search\", true), true), true) }}\n"
            "<Query>: {{ messages | selectattr(\"role\", \"eq\", \"query\") | map(attribute=\"content\") | first }}\n"
            "<Document>: {{ messages | selectattr(\"role\", \"eq\", \"document\") | map(attribute=\"content\") | first }}"
            "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
        ),
        # block tags on their own lines: trim_blocks / lstrip_blocks matter
        "blocks-and-kwargs": (
            "{% for m in messages %}\n    {% if m.role == 'query' %}\nQ={{ m.content }}\n    {% else %}\nD={{ m.content }}\n"
            "    {% endif %}\n{% endfor %}\n{% if task is defined %}T={{ task }}{% endif %}|{{ eos_token }}\n\n\n"
        ),
    }
    cases = [
        {"query": QUERIES[0], "document": DOCUMENTS[0]},
        {"query": 'quotes " and {{ braces }} \\ back', "document": "lines\nwith\nnewlines  \n", "instruction": INSTRUCTION},
        {"query": "ünïcödé 😀", "document": "", "kwargs": {"task": "rank", "instruct": "from kwargs"}},
    ]
    rows = []
    for name, source in {**tpl, **extra}.items():
        for case in cases:
            kwargs = dict(case.get("kwargs", {}))
            if "instruction" in case:
                kwargs["instruction"] = case["instruction"]
            messages = [{"role": "query", "content": case["query"]}, {"role": "document", "content": case["document"]}]
            rendered = qtok.apply_chat_template(messages, chat_template=source, tokenize=False, **kwargs)
            rows.append({"name": name, "source": source, **case, "rendered": rendered})
    # The presets must reproduce the authors' strings (their model cards), not only parse.
    q, d = QUERIES[0], DOCUMENTS[0]
    by = {(r["name"], r["query"]): r["rendered"] for r in rows}
    assert by[("qwen3-reranker", q)] == (
        "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. "
        'Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n'
        f"<Instruct>: Given a web search query, retrieve relevant passages that answer the query\n<Query>: {q}\n<Document>: {d}"
        "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
    )
    assert by[("vllm-style-qwen3", q)].endswith("</think>\n") and not by[("vllm-style-qwen3", q)].endswith("\n\n")
    assert by[("bge-reranker-v2-gemma", q)].startswith(f"A: {q}\nB: {d}\nGiven a query A")
    assert by[("nemotron-rerank", q)] == f"question:{q} \n \n passage:{d}"
    golden = {
        "versions": versions() | {"jinja2": __import__("jinja2").__version__},
        "reference": "transformers PreTrainedTokenizerFast.apply_chat_template(messages, chat_template=..., tokenize=False, **kwargs)",
        "special_tokens": {"eos_token": qtok.eos_token, "pad_token": qtok.pad_token},
        "cases": rows,
    }
    (out / "templates.json").write_text(json.dumps(golden, indent=1, ensure_ascii=False))
    print("templates ok:", len(rows))


# --------------------------------------------------------------------------------------------
# ONNX export (the approach of scripts/reference/decoders.py: a wrapper that builds a DynamicCache)


class KvWrapper(torch.nn.Module):
    def __init__(self, model: torch.nn.Module, layers: int):
        super().__init__()
        self.model = model
        self.layers = layers

    def forward(self, input_ids, attention_mask, position_ids, *past):
        from transformers import DynamicCache

        cache = DynamicCache(config=self.model.config)
        for i in range(self.layers):
            cache.update(past[2 * i], past[2 * i + 1], i)
        out = self.model(
            input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, past_key_values=cache, use_cache=True
        )
        presents = []
        for layer in out.past_key_values.layers:
            presents += [layer.keys, layer.values]
        return (out.logits, *presents)


def export_kv(model: torch.nn.Module, path: Path) -> None:
    cfg = model.config
    layers = cfg.num_hidden_layers
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    ids = torch.tensor([[5, 6, 7], [9, 10, 11]])
    past_len = 2
    mask = torch.ones(2, past_len + 3, dtype=torch.long)
    mask[0, 0] = 0
    pos = (mask.cumsum(-1) - 1).clamp(min=0)[:, past_len:]
    past = []
    for _ in range(layers):
        past += [torch.randn(2, cfg.num_key_value_heads, past_len, head_dim) for _ in range(2)]
    names_in = ["input_ids", "attention_mask", "position_ids"]
    names_out = ["logits"]
    axes = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    for i in range(layers):
        for kind in ("key", "value"):
            names_in.append(f"past_key_values.{i}.{kind}")
            names_out.append(f"present.{i}.{kind}")
            axes[f"past_key_values.{i}.{kind}"] = {0: "batch_size", 2: "past_sequence_length"}
            axes[f"present.{i}.{kind}"] = {0: "batch_size", 2: "total_sequence_length"}
    torch.onnx.export(
        KvWrapper(model, layers), (ids, mask, pos, *past), str(path),
        input_names=names_in, output_names=names_out, dynamic_axes=axes, opset_version=17, dynamo=False,
    )
    onnx.checker.check_model(onnx.load(str(path)))


class SeqClsWrapper(torch.nn.Module):
    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits


def export_seq_cls(model: torch.nn.Module, path: Path) -> None:
    ids = torch.tensor([[5, 6, 7, 8], [9, 10, 11, 12]])
    mask = torch.ones(2, 4, dtype=torch.long)
    torch.onnx.export(
        SeqClsWrapper(model), (ids, mask), str(path),
        input_names=["input_ids", "attention_mask"], output_names=["logits"],
        dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"}, "attention_mask": {0: "batch_size", 1: "sequence_length"}, "logits": {0: "batch_size"}},
        opset_version=17, dynamo=False,
    )
    onnx.checker.check_model(onnx.load(str(path)))


# --------------------------------------------------------------------------------------------
# references


def render(tok, source: str, q: str, d: str, instruction: str | None = None) -> str:
    kwargs = {} if instruction is None else {"instruction": instruction}
    messages = [{"role": "query", "content": q}, {"role": "document", "content": d}]
    return tok.apply_chat_template(messages, chat_template=source, tokenize=False, **kwargs)


def content_truncated_ids(tok, source: str, q: str, d: str, max_len: int, instruction=None, max_doc=None, max_query=None):
    """Independent reference for template-preserving truncation: tokenize the whole render with
    offsets, then drop the document's content tokens from its end first, then the query's, keeping
    every template token (prefix, text between, suffix)."""
    text = render(tok, source, q, d, instruction)
    enc = tok(text, add_special_tokens=True, return_offsets_mapping=True)
    ids, offsets = enc["input_ids"], enc["offset_mapping"]
    q_start = text.index(q) if q else -1
    d_start = text.index(d, q_start + len(q)) if d else -1

    def span(start, length):
        if start < 0 or length == 0:
            return []
        return [i for i, (a, b) in enumerate(offsets) if b > a and a < start + length and b > start]

    q_tokens, d_tokens = span(q_start, len(q)), span(d_start, len(d))
    drop = set()
    if max_doc is not None and len(d_tokens) > max_doc:
        drop |= set(d_tokens[max_doc:])
    if max_query is not None and len(q_tokens) > max_query:
        drop |= set(q_tokens[max_query:])
    over = len(ids) - len(drop) - max_len
    for group in (d_tokens, q_tokens):
        kept = [i for i in group if i not in drop]
        while over > 0 and kept:
            drop.add(kept.pop())
            over -= 1
    return [t for i, t in enumerate(ids) if i not in drop], len(ids)


def last_logits(model, rows: list[list[int]], pad_id: int) -> torch.Tensor:
    """Left-padded batch, logits at the last position (what the LLM rerankers' authors compute)."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, width - len(r):] = torch.tensor(r)
        mask[i, width - len(r):] = 1
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():
        return model(input_ids=ids, attention_mask=mask, position_ids=pos).logits[:, -1, :]


def pair_cases():
    """(query, document, instruction) triples; the last two overflow MAX_LEN."""
    cases = [(q, d, None) for q in QUERIES for d in DOCUMENTS[:3]]
    cases.append((QUERIES[0], DOCUMENTS[0], INSTRUCTION))
    cases.append((QUERIES[1], " ".join([DOCUMENTS[3]] * 4), None))  # the document is cut
    cases.append((LONG_QUERY, DOCUMENTS[3], None))  # the document is emptied, then the query is cut
    return cases


def fit_max_length(tok, source: str) -> int:
    """A limit just above the longest ordinary case, so only the two long cases are truncated."""
    lengths = [len(tok(render(tok, source, q, d, ins))["input_ids"]) for q, d, ins in pair_cases()]
    limit = max(lengths[:-2]) + 8
    assert min(lengths[-2:]) > limit + 40, (lengths, limit)
    return limit


def score_cell(folder: Path, lm, tok, source: str, true_id: int, false_id: int | None, pad_id: int, notes: dict) -> dict:
    MAX_LEN = tok.model_max_length
    cases = pair_cases()
    full_rows, cut_rows, lengths = [], [], []
    for q, d, ins in cases:
        full = tok(render(tok, source, q, d, ins), add_special_tokens=True)["input_ids"]
        cut, n = content_truncated_ids(tok, source, q, d, MAX_LEN, ins)
        full_rows.append(full)
        cut_rows.append(cut)
        lengths.append(n)
    assert lengths[-1] > MAX_LEN and lengths[-2] > MAX_LEN and all(n <= MAX_LEN for n in lengths[:-2]), lengths
    capped = [content_truncated_ids(tok, source, q, d, 10**6, ins, max_doc=5, max_query=3)[0] for q, d, ins in cases]

    def scores(rows):
        logits = last_logits(lm, rows, pad_id)
        z = logits[:, true_id] - (logits[:, false_id] if false_id is not None else 0)
        return z.tolist()

    z_full = scores(full_rows[:-2])  # no truncation (the model has 512 positions: fine for the reference)
    z_cut = scores(cut_rows)
    z_capped = scores(capped)
    # Sensitivity: plain right truncation loses the template suffix; the score must move far.
    naive = [r[:MAX_LEN] for r in full_rows[-2:]]
    z_naive = scores(naive)
    sens = float(np.abs(np.array(z_naive) - np.array(z_cut[-2:])).min())
    assert sens > 1e-2, sens
    # Padding must not change the reference itself.
    alone = [scores([r])[0] for r in cut_rows]
    assert np.abs(np.array(alone) - np.array(z_cut)).max() < 1e-4
    return {
        "versions": versions(),
        "max_length": MAX_LEN,
        "template": source,
        "true_token_id": true_id,
        "false_token_id": false_id,
        "cases": [{"query": q, "document": d, "instruction": ins} for q, d, ins in cases],
        "input_ids_untruncated": full_rows[:-2],
        "input_ids": cut_rows,
        "input_ids_capped": capped,
        "logits_untruncated": z_full,
        "logits": z_cut,
        "logits_capped": z_capped,
        "sensitivity": {"suffix_lost_by_plain_truncation": sens},
        **notes,
    }


# --------------------------------------------------------------------------------------------
# cells


def save_folder(folder: Path, lm, hf_tok, keep_weights: bool = False) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    lm.save_pretrained(str(folder), safe_serialization=True)
    hf_tok.save_pretrained(str(folder))
    (folder / "onnx").mkdir(exist_ok=True)
    export_kv(lm, folder / "onnx" / "model.onnx")
    if not keep_weights:
        (folder / "model.safetensors").unlink()


def qwen3_cells(out: Path, tpl: dict[str, str], texts: list[str]) -> None:
    tok = build_tokenizer(["<|endoftext|>", "<|im_start|>", "<|im_end|>"], texts, None, 700)
    hf = qwen_tokenizer(tok, GENERIC_CHAT_TEMPLATE)  # the base LLM's chat template: must be skipped
    template_goldens(out, tpl, hf)
    pad = tok.token_to_id("<|endoftext|>")
    cfg = Qwen3Config(
        vocab_size=tok.get_vocab_size(), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=512,
        tie_word_embeddings=True, pad_token_id=pad, eos_token_id=tok.token_to_id("<|im_end|>"), attn_implementation="eager",
    )
    cfg.architectures = ["Qwen3ForCausalLM"]
    torch.manual_seed(SEED)
    lm = Qwen3ForCausalLM(cfg).eval()
    randomize(lm, SEED)
    lm.tie_weights()
    yes, no = tok.token_to_id("yes"), tok.token_to_id("no")
    source = tpl["qwen3-reranker"]
    hf.model_max_length = fit_max_length(hf, source)
    max_len = hf.model_max_length

    # 1. the original causal LM (what Qwen/Qwen3-Reranker-* and the onnx-community mirror ship)
    causal = out / "qwen3-causal"
    save_folder(causal, lm, hf, keep_weights=True)
    golden = score_cell(causal, lm, hf, source, yes, no, pad, {
        "reference": "Qwen3ForCausalLM: logit[yes] - logit[no] at the last position, left padding",
        "hf_overrides": {"architectures": ["Qwen3ForSequenceClassification"], "classifier_from_token": ["no", "yes"], "is_original_qwen3_reranker": True},
    })
    (causal / "golden.json").write_text(json.dumps(golden, indent=1))

    # 2. vLLM's conversion (convert_model_to_seq_cls.py, from_2_way_softmax): score row = W[yes] - W[no]
    seq = out / "qwen3-seq-cls"
    shutil.rmtree(seq, ignore_errors=True)
    seq_cfg = Qwen3Config(**{k: v for k, v in cfg.to_dict().items() if k not in ("architectures",)})
    seq_cfg.num_labels = 1
    seq_cfg.architectures = ["Qwen3ForSequenceClassification"]
    seq_model = Qwen3ForSequenceClassification(seq_cfg).eval()
    missing = seq_model.model.load_state_dict(lm.model.state_dict())
    with torch.no_grad():
        w = lm.lm_head.weight
        seq_model.score.weight.copy_((w[yes] - w[no]).unsqueeze(0))
    seq_model.save_pretrained(str(seq))
    hf_seq = qwen_tokenizer(tok, None)
    hf_seq.model_max_length = max_len
    hf_seq.padding_side = "right"
    hf_seq.save_pretrained(str(seq))
    (seq / "chat_template.jinja").write_text(source)
    (seq / "onnx").mkdir()
    export_seq_cls(seq_model, seq / "onnx" / "model.onnx")
    (seq / "model.safetensors").unlink()
    with torch.no_grad():
        rows = golden["input_ids"]
        seq_logits = [seq_model(input_ids=torch.tensor([r]), attention_mask=torch.ones(1, len(r), dtype=torch.long)).logits[0, 0].item() for r in rows]
    err = float(np.abs(np.array(seq_logits) - np.array(golden["logits"])).max())
    assert err < 1e-4, err
    seq_golden = {**golden, "reference": "Qwen3ForSequenceClassification (W_yes - W_no head), one row at a time", "seq_cls_logits": seq_logits, "conversion_error_vs_causal": err}
    seq_golden.pop("hf_overrides")
    (seq / "golden.json").write_text(json.dumps(seq_golden, indent=1))

    # 3. sentence-transformers 6: CrossEncoder on the causal LM, saved (Transformer + LogitScore + chat_template.jinja)
    from sentence_transformers import CrossEncoder

    ls = out / "qwen3-logitscore"
    shutil.rmtree(ls, ignore_errors=True)
    hf.chat_template = source
    hf.save_pretrained(str(causal))
    ce = CrossEncoder(str(causal), max_length=max_len, device="cpu")
    ce.save(str(ls))
    (causal / "chat_template.jinja").unlink(missing_ok=True)
    hf.chat_template = GENERIC_CHAT_TEMPLATE
    hf.save_pretrained(str(causal))
    (causal / "model.safetensors").unlink()
    ce = CrossEncoder(str(ls), device="cpu")
    ce.max_length = max_len
    (ls / "onnx").mkdir(exist_ok=True)
    shutil.copy(causal / "onnx" / "model.onnx", ls / "onnx" / "model.onnx")
    (ls / "model.safetensors").unlink()
    modules = json.loads((ls / "modules.json").read_text())
    cases = golden["cases"]
    pairs = [(c["query"], c["document"]) for c in cases if c["instruction"] is None]
    st_raw = ce.predict(pairs, activation_fn=torch.nn.Identity(), batch_size=4).tolist()
    st_sig = ce.predict(pairs, batch_size=4).tolist()
    ours = [z for c, z in zip(cases, golden["logits"]) if c["instruction"] is None]
    st_err = float(np.abs(np.array(st_raw) - np.array(ours)).max())
    print("ST LogitScore vs transformers (content truncation):", st_err)
    st_golden = {
        "versions": versions(),
        "reference": "sentence_transformers.CrossEncoder(folder).predict (chat template, suffix restored on truncation)",
        "modules": modules,
        "max_length": max_len,
        "pairs": pairs,
        "logits": st_raw,
        "scores": st_sig,
        "error_vs_transformers_reference": st_err,
    }
    (ls / "golden.json").write_text(json.dumps(st_golden, indent=1))
    print("qwen3 cells ok")


def qwen2_cell(out: Path, tpl: dict[str, str], texts: list[str]) -> None:
    tok = build_tokenizer(["<|endoftext|>", "<|im_start|>", "<|im_end|>"], texts, None, 600)
    hf = qwen_tokenizer(tok, GENERIC_CHAT_TEMPLATE)
    pad = tok.token_to_id("<|endoftext|>")
    cfg = Qwen2Config(
        vocab_size=tok.get_vocab_size(), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
        tie_word_embeddings=False, pad_token_id=pad, attn_implementation="eager",
    )
    cfg.architectures = ["Qwen2ForCausalLM"]
    torch.manual_seed(SEED + 1)
    lm = Qwen2ForCausalLM(cfg).eval()
    randomize(lm, SEED + 1)
    one, zero = tok.token_to_id("1"), tok.token_to_id("0")
    hf.model_max_length = fit_max_length(hf, tpl["mxbai-rerank-v2"])
    folder = out / "qwen2-mxbai"
    save_folder(folder, lm, hf)
    golden = score_cell(folder, lm, hf, tpl["mxbai-rerank-v2"], one, zero, pad, {
        "reference": "Qwen2ForCausalLM (untied head): logit['1'] - logit['0'] at the last position",
        "hf_overrides": {"architectures": ["Qwen2ForSequenceClassification"], "classifier_from_token": ["0", "1"], "method": "from_2_way_softmax"},
    })
    (folder / "golden.json").write_text(json.dumps(golden, indent=1))
    print("qwen2 cell ok")


def gemma_cell(out: Path, tpl: dict[str, str], texts: list[str]) -> None:
    tok = build_tokenizer(["<pad>", "<eos>", "<bos>"], texts, "<bos>", 600)
    hf = gemma_tokenizer(tok)
    pad = tok.token_to_id("<pad>")
    cfg = GemmaConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=1, head_dim=8, max_position_embeddings=512,
        pad_token_id=pad, bos_token_id=tok.token_to_id("<bos>"), eos_token_id=tok.token_to_id("<eos>"), attn_implementation="eager",
    )
    cfg.architectures = ["GemmaForCausalLM"]
    torch.manual_seed(SEED + 2)
    lm = GemmaForCausalLM(cfg).eval()
    randomize(lm, SEED + 2)
    lm.tie_weights()
    yes_id = tok.token_to_id("Yes")
    hf.model_max_length = fit_max_length(hf, tpl["bge-reranker-v2-gemma"])
    folder = out / "gemma-bge"
    save_folder(folder, lm, hf)
    golden = score_cell(folder, lm, hf, tpl["bge-reranker-v2-gemma"], yes_id, None, pad, {
        "reference": "GemmaForCausalLM: logit['Yes'] at the last position (no_post_processing), <bos> added by the tokenizer",
        "hf_overrides": {"architectures": ["GemmaForSequenceClassification"], "classifier_from_token": ["Yes"], "method": "no_post_processing"},
    })
    assert all(r[0] == tok.token_to_id("<bos>") for r in golden["input_ids"])
    (folder / "golden.json").write_text(json.dumps(golden, indent=1))
    print("gemma cell ok")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="test/golden/llm-rerankers")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.only == "qwen3-q8":
        qwen3_q8(out)
        return
    tpl = presets()
    texts = corpus(tpl)
    cells = {"qwen3": qwen3_cells, "qwen2": qwen2_cell, "gemma": gemma_cell}
    for name, fn in cells.items():
        if not args.only or name in args.only.split(","):
            fn(out, tpl, texts)
    if not args.only or "qwen3" in args.only.split(",") or "qwen3-q8" in args.only.split(","):
        qwen3_q8(out)



def qwen3_q8(out: Path) -> None:
    """q8 weights of the qwen3-causal cell (dynamic MatMulInteger, as onnx-community ships
    model_quantized.onnx), with logits from onnxruntime in Python: the reference for the q8 path."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder = out / "qwen3-causal"
    src, dst = folder / "onnx" / "model.onnx", folder / "onnx" / "model_quantized.onnx"
    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=False)
    golden = json.loads((folder / "golden.json").read_text())
    sess = ort.InferenceSession(str(dst), providers=["CPUExecutionProvider"])
    cfg = json.loads((folder / "config.json").read_text())
    yes, no = golden["true_token_id"], golden["false_token_id"]
    z = []
    for row in golden["input_ids"]:
        n = len(row)
        feeds = {
            "input_ids": np.array([row], dtype=np.int64),
            "attention_mask": np.ones((1, n), dtype=np.int64),
            "position_ids": np.arange(n, dtype=np.int64)[None, :],
        }
        for i in range(cfg["num_hidden_layers"]):
            for kind in ("key", "value"):
                feeds[f"past_key_values.{i}.{kind}"] = np.zeros((1, cfg["num_key_value_heads"], 0, cfg["head_dim"]), dtype=np.float32)
        logits = sess.run(["logits"], feeds)[0][0, -1]
        z.append(float(logits[yes] - logits[no]))
    fp32 = np.array(golden["logits"])
    (folder / "golden_q8.json").write_text(json.dumps({
        "versions": versions() | {"onnxruntime": ort.__version__},
        "reference": "onnxruntime (Python) on onnx/model_quantized.onnx, logit[yes] - logit[no] at the last position",
        "logits": z,
        "max_abs_diff_vs_fp32": float(np.abs(np.array(z) - fp32).max()),
    }, indent=1))
    print("qwen3 q8 ok, vs fp32:", float(np.abs(np.array(z) - fp32).max()))


if __name__ == "__main__":
    main()
