"""fp32 reference logits for `npm run bench -- llama` (developer tool, never run by npm test).

bench/llama.ts judges each engine (rerank-kit's ONNX q8 / q4, llama.cpp's Q8_0 / Q4_K_M GGUF)
against these logits, not against each other: two 4-bit schemes each drift from fp32, and their
difference adds both drifts.

The reference is transformers' Qwen3ForCausalLM on the model folder's model.safetensors in fp32
(torch, eager attention), each prompt run alone (no padding), with the prompt built the way
Qwen/Qwen3-Reranker-0.6B's model card does it (prefix + "<Instruct>: ...\\n<Query>: ...\\n<Document>: ..."
+ suffix, the three tokenized apart and joined), independent of rerank-kit's template and of the
GGUF's: the bench checks that all three sides count the same tokens. The score is
logit["yes"] - logit["no"] at the last position.

    python3 scripts/reference/qwen3_reranker_reference.py MODEL_DIR IN.json OUT.json [--threads 2]

IN.json: {"query": "...", "documents": ["...", ...]}; OUT.json: {"logits": [...], "tokens": [...],
"versions": {...}, "seconds": ...}. One document at a time, a progress line on stderr every ten.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.modules.setdefault("torchvision", None)  # type: ignore[arg-type]

import torch
import transformers
from transformers import AutoTokenizer, Qwen3ForCausalLM

# Qwen/Qwen3-Reranker-0.6B model card (transformers usage).
PREFIX = (
    "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. "
    'Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n'
)
SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model", type=Path)
    ap.add_argument("inp", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    spec = json.loads(args.inp.read_text())

    tok = AutoTokenizer.from_pretrained(str(args.model))
    yes, no = tok.convert_tokens_to_ids("yes"), tok.convert_tokens_to_ids("no")
    lm = Qwen3ForCausalLM.from_pretrained(str(args.model), dtype=torch.float32, attn_implementation="eager").eval()
    assert lm.config.num_hidden_layers > 0 and next(lm.parameters()).dtype == torch.float32
    prefix = tok(PREFIX, add_special_tokens=False)["input_ids"]
    suffix = tok(SUFFIX, add_special_tokens=False)["input_ids"]

    logits, tokens = [], []
    t0 = time.time()
    with torch.inference_mode():
        for i, doc in enumerate(spec["documents"]):
            body = f"<Instruct>: {spec.get('instruction') or INSTRUCTION}\n<Query>: {spec['query']}\n<Document>: {doc}"
            ids = prefix + tok(body, add_special_tokens=False)["input_ids"] + suffix
            # The decoder body, then the head on the last position only (the same rows of the
            # same tied matrix as lm(...).logits[:, -1], without 151669 x seq of logits).
            hidden = lm.model(input_ids=torch.tensor([ids])).last_hidden_state[:, -1]
            z = lm.lm_head(hidden)[0]
            logits.append(float(z[yes] - z[no]))
            tokens.append(len(ids))
            if (i + 1) % 10 == 0 or i + 1 == len(spec["documents"]):
                print(f"  fp32 reference: {i + 1} of {len(spec['documents'])} documents ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)

    args.out.write_text(json.dumps({
        "logits": logits,
        "tokens": tokens,
        "versions": {"transformers": transformers.__version__, "torch": torch.__version__},
        "seconds": time.time() - t0,
    }))


if __name__ == "__main__":
    main()
