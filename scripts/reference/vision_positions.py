"""How many positions a CLIP / SigLIP vision tower encodes per image, from transformers: the
sequence length of `vision_model(pixel_values).last_hidden_state` on the committed tiny image-text
models (test/golden/images/<family>/split, their golden pixel values), and `num_positions` of the
vision embeddings built from transformers' default vision configs (224 px; patch 32 for CLIP, 16
for SigLIP), which is what a config.json without those keys means.

    python3 scripts/reference/vision_positions.py

Writes test/golden/images/vision-positions.json (`/v2/embed`'s `billed_units.image_tokens` per
image). Developer tool: `npm test` only reads the committed output.
"""

from __future__ import annotations

import json
import sys

sys.modules["torchvision"] = None  # type: ignore[assignment]  # as images.py: the PIL path only

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers as tf  # noqa: E402

import common_encoders as c  # noqa: E402

OUT = c.REPO / "test" / "golden" / "images"


def fixture_positions(family: str) -> int:
    folder = OUT / family / "split"
    golden = json.loads((OUT / family / "golden.json").read_text())
    shape = golden["pixelValues"]["shape"]
    px = np.fromfile(OUT / family / golden["pixelValues"]["file"], dtype=np.float32).reshape(shape)
    model = tf.AutoModel.from_pretrained(folder).eval()
    with torch.no_grad():
        out = model.vision_model(pixel_values=torch.from_numpy(px[:1]))
    return int(out.last_hidden_state.shape[1])


def default_positions(family: str) -> int:
    if family == "clip":
        from transformers.models.clip.modeling_clip import CLIPVisionEmbeddings

        return int(CLIPVisionEmbeddings(tf.CLIPVisionConfig()).num_positions)
    from transformers.models.siglip.modeling_siglip import SiglipVisionEmbeddings

    return int(SiglipVisionEmbeddings(tf.SiglipVisionConfig()).num_positions)


if __name__ == "__main__":
    golden = {
        "reference": "transformers: vision_model(pixel_values).last_hidden_state.shape[1] on the tiny fixtures; "
                     "num_positions of CLIPVisionEmbeddings / SiglipVisionEmbeddings for the default vision configs",
        "versions": c.versions(),
        "fixtures": {family: fixture_positions(family) for family in ("clip", "siglip")},
        "defaults": {family: default_positions(family) for family in ("clip", "siglip")},
    }
    c.write_json(OUT / "vision-positions.json", golden)
    print(golden["fixtures"], golden["defaults"])
