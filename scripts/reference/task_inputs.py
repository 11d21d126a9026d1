"""Task-conditioned export (jinaai/jina-embeddings-v3's layout, tiny): an XLM-RoBERTa encoder whose
ONNX graph takes a scalar int64 `task_id` (the index of the task in config.json `lora_adaptations`)
that changes every token's output, as jina's LoRA adapters do. The folder keeps jina's file layout:
`modules.json` with a custom `custom_st.Transformer` module, mean Pooling and Normalize, and
per-task prompts in `config_sentence_transformers.json` (jina's own prompt strings).

The golden is onnxruntime's run of the same file, one unpadded sequence at a time (prompt + text
tokenized by the `tokenizers` library), mean-pooled and L2-normalized with numpy, for each task.

    python3 scripts/reference/task_inputs.py

Writes test/golden/encoders/bi/xlmr-task-id. Developer tool: `npm test` only reads the committed output.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.modules.setdefault("torchvision", None)  # type: ignore[arg-type]

import numpy as np
import onnxruntime as ort
import torch

import common_encoders as c
import encoders as e

NAME = "xlmr-task-id"
TASKS = ["retrieval.query", "retrieval.passage", "separation", "classification", "text-matching"]
# jina-embeddings-v3's config_sentence_transformers.json prompts.
PROMPTS = {
    "retrieval.query": "Represent the query for retrieving evidence documents: ",
    "retrieval.passage": "Represent the document for retrieval: ",
    "separation": "",
    "classification": "",
    "text-matching": "",
}


class TaskConditioned(torch.nn.Module):
    """The encoder's hidden states shifted and scaled per task: a stand-in for per-task LoRA weights."""

    def __init__(self, encoder, tasks: int, hidden: int, seed: int):
        super().__init__()
        self.encoder = encoder
        g = torch.Generator().manual_seed(seed)
        self.shift = torch.nn.Parameter(0.5 * torch.randn(tasks, hidden, generator=g))
        self.scale = torch.nn.Parameter(1.0 + 0.5 * torch.randn(tasks, hidden, generator=g))

    def forward(self, input_ids, attention_mask, task_id):
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return h * self.scale[task_id] + self.shift[task_id]


def main() -> None:
    from transformers import AutoModel

    folder = c.fresh(c.OUT / "bi" / NAME)
    tok = e.TOKENIZERS["xlmr"]()
    cfg = e._config("xlmr", tok)
    encoder = c.scale_weights(AutoModel.from_config(cfg, attn_implementation="eager"), 2026120701)
    model = TaskConditioned(encoder, len(TASKS), cfg.hidden_size, 2026120702).eval()
    with tempfile.TemporaryDirectory() as tmp:
        encoder.save_pretrained(tmp)
        config = json.loads((Path(tmp) / "config.json").read_text())
    config.update(architectures=["XLMRobertaLoRA"], lora_adaptations=TASKS)
    config.pop("_name_or_path", None)
    c.write_json(folder / "config.json", config)
    tok.save_pretrained(str(folder))
    for name in ["vocab.txt", "sentencepiece.bpe.model"]:
        (folder / name).unlink(missing_ok=True)
    c.write_json(folder / "modules.json", [
        {"idx": 0, "name": "transformer", "path": "", "type": "custom_st.Transformer"},
        {"idx": 1, "name": "pooler", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "normalizer", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    (folder / "1_Pooling").mkdir()
    c.write_json(folder / "1_Pooling" / "config.json", {"word_embedding_dimension": cfg.hidden_size, "pooling_mode_mean_tokens": True})
    (folder / "2_Normalize").mkdir()
    c.write_json(folder / "config_sentence_transformers.json", {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"})
    c.write_json(folder / "sentence_bert_config.json", {"max_seq_length": c.MAX_LEN, "do_lower_case": False})

    (folder / "onnx").mkdir()
    ids = torch.tensor([[0, 5, 6, 2]])
    torch.onnx.export(
        model, (ids, torch.ones_like(ids), torch.tensor(1, dtype=torch.int64)), str(folder / "onnx" / "model.onnx"),
        input_names=["input_ids", "attention_mask", "task_id"], output_names=["text_embeds"],
        dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, "text_embeds": {0: "batch", 1: "seq"}},
        opset_version=17, dynamo=False,
    )
    session = ort.InferenceSession(str(folder / "onnx" / "model.onnx"))
    assert [i.shape for i in session.get_inputs() if i.name == "task_id"] == [[]], "task_id must be a scalar"
    raw = c.saved_tokenizer(folder)

    def embed(text: str, task: str) -> list[float]:
        enc = raw.encode(PROMPTS[task] + text)
        feeds = {"input_ids": np.array([enc.ids], dtype=np.int64), "attention_mask": np.ones((1, len(enc.ids)), dtype=np.int64),
                 "task_id": np.array(TASKS.index(task), dtype=np.int64)}
        h = session.run(["text_embeds"], feeds)[0][0]
        with torch.no_grad():
            want = model(*(torch.from_numpy(feeds[k]) for k in ["input_ids", "attention_mask", "task_id"]))[0].numpy()
        assert np.abs(h - want).max() < 1e-4
        v = h.mean(axis=0)
        return (v / np.linalg.norm(v)).tolist()

    # Texts that fit in max_seq_length with the longest prompt: truncation is not what this cell tests.
    longest = max(PROMPTS.values(), key=len)
    texts = [t for t in c.QUERIES + c.DOCUMENTS if len(raw.encode(longest + t).ids) <= c.MAX_LEN][:6]
    assert len(texts) >= 4, texts
    golden = {task: [embed(t, task) for t in texts] for task in TASKS}
    spread = max(float(np.abs(np.array(golden[a]) - np.array(golden["text-matching"])).max()) for a in TASKS[:-1])
    c.write_json(folder / "golden.json", {
        "cell": f"bi/{NAME}", "reference": "onnxruntime on onnx/model.onnx, one unpadded sequence per run (prompt + text), "
        "mean pooling and L2 normalization in numpy", "versions": c.versions(), "tolerance": 1e-4,
        "tasks": TASKS, "prompts": PROMPTS, "texts": texts, "embeddings": golden, "spreadBetweenTasks": spread,
    })
    print(f"bi/{NAME}: largest difference between tasks {spread:.3f}")


if __name__ == "__main__":
    main()
