"""The image row of `npm run bench -- images` (bench/images.ts): a CLIP-ViT-B/32-shaped model made
with transformers and exported by torch, and the Python side of the comparison on the same weights.

    python3 scripts/reference/clip_bench.py --generate [--out bench/.models]
    python3 scripts/reference/clip_bench.py workload.json

`--generate` writes <out>/clip-b32-shape/: CLIPModel (vision ViT-B/32 at 224 px: hidden 768, 12
layers, 12 heads, patch 32; text: hidden 512, 12 layers, 8 heads, 77 positions, vocabulary 49408;
projection 512) with transformers' default init under a fixed seed (a speed fixture, not a parity
fixture), saved with save_pretrained (model.safetensors, config.json), the Hub's CLIP
preprocessor_config.json (shortest edge 224, center crop 224, bicubic), a CLIP-shaped tokenizer,
and onnx/text_model.onnx + onnx/vision_model.onnx in the Xenova layout (`torch.onnx.export`).

With a workload file ({"dir", "images": [paths], "threads", "batchSize"}) it loads transformers'
`CLIPModel` and its PIL image processor (`CLIPImageProcessorPil`, the one rerank-kit reproduces),
then answers one stdin command per line ("images": decode + preprocess + `get_image_features` of
every image, timed; "quit") with a JSON line: the call's ms, the preprocessing ms inside it, and the
first 4 embeddings (normalised) so the bench can check both sides computed the same.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.modules["torchvision"] = None  # type: ignore[assignment]  # see images.py

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common_encoders as c  # noqa: E402
import images as im  # noqa: E402

NAME = "clip-b32-shape"
SIZE = 224


def generate(out: Path, seed: int = 26) -> Path:
    import transformers as tf

    folder = c.fresh(out / NAME)
    torch.manual_seed(seed)
    tok, _ = im.clip_tokenizer(77)
    cfg = tf.CLIPConfig(
        text_config=dict(vocab_size=49408, hidden_size=512, intermediate_size=2048, num_hidden_layers=12, num_attention_heads=8,
                         max_position_embeddings=77, eos_token_id=tok.eos_token_id, bos_token_id=tok.bos_token_id,
                         pad_token_id=tok.pad_token_id),
        vision_config=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                           image_size=SIZE, patch_size=32),
        projection_dim=512,
    )
    cfg._attn_implementation = "eager"
    model = tf.CLIPModel(cfg).eval()
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    (folder / "special_tokens_map.json").unlink(missing_ok=True)
    c.write_json(folder / "preprocessor_config.json", im.clip_processor_config(SIZE, SIZE, 3))
    batch, tbatch, length = torch.export.Dim("batch_size"), torch.export.Dim("text_batch_size"), torch.export.Dim("sequence_length", max=77)
    ids = torch.randint(5, 50, (2, 16))
    mask = torch.ones(2, 16, dtype=torch.long)
    onnx = folder / "onnx"
    im._export(im.TextTower(model, True, "text"), (ids, mask), ["input_ids", "attention_mask"], ["text_embeds", "last_hidden_state"],
               ({0: tbatch, 1: length}, {0: tbatch, 1: length}), onnx / "text_model.onnx")
    im._export(im.VisionTower(model), (torch.randn(2, 3, SIZE, SIZE),), ["pixel_values"], ["image_embeds", "last_hidden_state"],
               ({0: batch},), onnx / "vision_model.onnx")
    print(f"wrote {folder}")
    return folder


def serve(workload: Path) -> None:
    from PIL import Image
    from transformers import CLIPImageProcessorPil, CLIPModel

    spec = json.loads(workload.read_text())
    torch.set_num_threads(int(spec["threads"]))
    model = CLIPModel.from_pretrained(spec["dir"]).eval()
    proc = CLIPImageProcessorPil.from_pretrained(spec["dir"])
    paths, batch = spec["images"], int(spec.get("batchSize", 16))
    import transformers

    reply({"ready": True, "versions": {"transformers": transformers.__version__, "torch": torch.__version__}, "threads": torch.get_num_threads()})
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        with torch.inference_mode():
            t0 = time.perf_counter()
            pre = 0.0
            out = []
            for start in range(0, len(paths), batch):
                p0 = time.perf_counter()
                pixels = proc(images=[Image.open(p) for p in paths[start:start + batch]], return_tensors="pt")["pixel_values"]
                pre += time.perf_counter() - p0
                f = model.get_image_features(pixel_values=pixels)
                f = f if isinstance(f, torch.Tensor) else f.pooler_output
                out.append(torch.nn.functional.normalize(f, dim=-1))
            ms = (time.perf_counter() - t0) * 1000
        reply({"ms": ms, "preprocessMs": pre * 1000, "output": torch.cat(out)[:4].tolist()})


def reply(obj) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--generate"]:
        out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else c.REPO / "bench" / ".models"
        generate(out)
    else:
        serve(Path(sys.argv[1]))
