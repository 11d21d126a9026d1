"""The sentence-transformers side of `npm run bench`'s anchor rows (bench/anchor.ts).

    python3 scripts/reference/st_bench.py workload.json

workload.json: {"threads": 2, "batchSize": 32, "runs": 3,
                "cross": {"dir": ..., "query": ..., "documents": [...]} | null,
                "bi": {"dir": ..., "texts": [...]} | null,
                "sparse": {"dir": ..., "texts": [...]} | null,
                "static": {"dir": ..., "texts": [...]} | null}
Then reads commands from stdin and prints one JSON line per command: the time of one call in ms
and its output (scores; the first 8 embeddings), so the bench can check both sides computed the
same.
`CrossEncoder.predict`, `SentenceTransformer.encode` (a transformer or a StaticEmbedding model) and
`SparseEncoder.encode` run as their users call them, on torch fp32 with
`torch.set_num_threads(threads)`. Sparse output: the first 8 vectors as {index: value} maps.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> None:
    """Loads both models, then answers one command per stdin line ("cross" or "bi": one timed
    call; "quit"), so the bench can alternate runs with rerank-kit's and load drift on a shared
    machine hits both sides alike."""
    spec = json.load(open(sys.argv[1]))
    import sentence_transformers
    import torch

    torch.set_num_threads(int(spec["threads"]))
    batch = int(spec.get("batchSize", 32))
    calls = {}
    if spec.get("cross"):
        from sentence_transformers import CrossEncoder

        c = spec["cross"]
        ce = CrossEncoder(c["dir"], device="cpu")
        pairs = [(c["query"], d) for d in c["documents"]]
        calls["cross"] = lambda: [float(x) for x in ce.predict(pairs, batch_size=batch, show_progress_bar=False)]
    if spec.get("bi"):
        from sentence_transformers import SentenceTransformer

        b = spec["bi"]
        st = SentenceTransformer(b["dir"], device="cpu")
        calls["bi"] = lambda: st.encode(b["texts"], batch_size=batch, show_progress_bar=False)[:8].tolist()
    if spec.get("sparse"):
        from sentence_transformers import SparseEncoder

        sp = spec["sparse"]
        se = SparseEncoder(sp["dir"], device="cpu")

        def sparse_call():
            out = se.encode(sp["texts"], batch_size=batch, show_progress_bar=False)
            first = torch.arange(min(8, out.shape[0]))
            head = out.index_select(0, first).to_dense() if out.is_sparse else out[:8]
            return [{str(int(i)): float(row[i]) for i in row.nonzero().flatten()} for row in head]

        calls["sparse"] = sparse_call
    if spec.get("static"):
        from sentence_transformers import SentenceTransformer

        sm = spec["static"]
        static = SentenceTransformer(sm["dir"], device="cpu")
        calls["static"] = lambda: static.encode(sm["texts"], batch_size=batch, show_progress_bar=False)[:8].tolist()
    reply({"ready": True, "versions": {"sentence_transformers": sentence_transformers.__version__, "torch": torch.__version__},
           "threads": torch.get_num_threads()})
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        with torch.inference_mode():
            t0 = time.perf_counter()
            out = calls[cmd]()
            ms = (time.perf_counter() - t0) * 1000
        reply({"ms": ms, "output": out})


def reply(obj) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
