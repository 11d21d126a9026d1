"""Image-text reference generator: tiny random CLIP and SigLIP models exported to ONNX in the Hub
layouts (separate `onnx/text_model.onnx` + `onnx/vision_model.onnx` as Xenova / onnx-community
publish them, and one `onnx/model.onnx` taking `input_ids` + `pixel_values`), small test images,
and goldens from transformers' PIL image processors (`CLIPImageProcessorPil`,
`SiglipImageProcessorPil`) and `get_text_features` / `get_image_features`.

    python3 scripts/reference/images.py [cell ...]

Writes test/golden/images/ (inputs/, pixels/, clip/, siglip/). Developer tool: `npm test` only
reads the committed output.

transformers 5 picks its torchvision backend for `CLIPImageProcessor` when torchvision imports;
the PIL classes are the reference here (the resize every transformers 4 user ran, and the one
rerank-kit reproduces), so torchvision is hidden from transformers before it is imported.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

sys.modules["torchvision"] = None  # type: ignore[assignment]  # see the module docstring

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402

import common_encoders as c  # noqa: E402

TOL = 1e-4
OUT = c.REPO / "test" / "golden" / "images"
INPUTS = OUT / "inputs"
IMAGE_SIZE = 32
PATCH = 8

TEXTS = [
    "a photo of a cat",
    "a red car parked on the street",
    "two people walking in the park at night",
    c.LONG,  # longer than the text window: truncation
]

# ---------------------------------------------------------------------------------------------
# Inputs: small seeded images of several sizes, aspect ratios and modes
# ---------------------------------------------------------------------------------------------


def _pattern(h: int, w: int, seed: int) -> np.ndarray:
    """Gradients, a hard edge and noise, so every resampling filter and offset shows."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 255 * x / max(w - 1, 1)
    g = 255 * y / max(h - 1, 1)
    b = 127.5 + 127.5 * np.sin(x / 3.0 + y / 5.0)
    img = np.stack([r, g, b], axis=-1)
    img[(x > w / 3) & (y > h / 2)] = [250, 20, 60]
    img += rng.normal(0, 25, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def write_inputs() -> list[str]:
    c.fresh(INPUTS)
    made: dict[str, Image.Image] = {
        "rgb-61x47.png": Image.fromarray(_pattern(47, 61, 1)),
        "tall-24x77.png": Image.fromarray(_pattern(77, 24, 2)),
        "wide-120x24.png": Image.fromarray(_pattern(24, 120, 3)),
        "tiny-3x2.png": Image.fromarray(_pattern(2, 3, 4)),
        "small-20x13.png": Image.fromarray(_pattern(13, 20, 5)),
        "grey-33x20.png": Image.fromarray(_pattern(20, 33, 6)).convert("L"),
    }
    rgba = _pattern(50, 50, 7)
    alpha = np.fromfunction(lambda y, x: (x * 5 + y * 2) % 256, (50, 50)).astype(np.uint8)
    made["rgba-50x50.png"] = Image.fromarray(np.dstack([rgba, alpha]), "RGBA")
    made["grey-alpha-17x29.png"] = Image.fromarray(np.dstack([_pattern(29, 17, 8)[..., 0], alpha[:29, :17]]), "LA")
    made["palette-40x30.png"] = Image.fromarray(_pattern(30, 40, 9)).quantize(16, dither=Image.Dither.NONE)
    for name, im in made.items():
        im.save(INPUTS / name, optimize=True)
    Image.fromarray(_pattern(48, 64, 10)).save(INPUTS / "photo-64x48.jpg", quality=90)
    # Lossless WebP of the first PNG: a decoder must give back the same pixels.
    Image.open(INPUTS / "rgb-61x47.png").save(INPUTS / "rgb-61x47.webp", lossless=True)
    names = sorted(made) + ["photo-64x48.jpg"]
    # What PIL decodes (RGB), so the test can state how far its own decoder lands from it.
    decoded = {n: np.asarray(Image.open(INPUTS / n).convert("RGB")) for n in names}
    (INPUTS / "decoded-rgb.bin").write_bytes(b"".join(decoded[n].tobytes() for n in names))
    c.write_json(INPUTS / "inputs.json", {
        "images": [{"file": n, "mode": Image.open(INPUTS / n).mode, "width": decoded[n].shape[1], "height": decoded[n].shape[0]}
                   for n in names],
        "decoded": "decoded-rgb.bin: PIL's Image.open(f).convert('RGB') as uint8 HWC, concatenated in this order",
        "versions": {"pillow": Image.__version__ if hasattr(Image, "__version__") else __import__("PIL").__version__},
    })
    return names


def image_names() -> list[str]:
    return [e["file"] for e in c.read_json(INPUTS / "inputs.json")["images"]]


# ---------------------------------------------------------------------------------------------
# Processors
# ---------------------------------------------------------------------------------------------

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def clip_processor_config(size: int = IMAGE_SIZE, crop: int = IMAGE_SIZE, resample: int = 3) -> dict:
    return {
        "crop_size": {"height": crop, "width": crop}, "do_center_crop": True, "do_convert_rgb": True,
        "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": CLIP_MEAN,
        "image_processor_type": "CLIPImageProcessor", "image_std": CLIP_STD, "resample": resample,
        "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": size},
    }


def siglip_processor_config(height: int = IMAGE_SIZE, width: int = IMAGE_SIZE, resample: int = 3) -> dict:
    return {
        "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": [0.5, 0.5, 0.5],
        "image_processor_type": "SiglipImageProcessor", "image_std": [0.5, 0.5, 0.5], "processor_class": "SiglipProcessor",
        "resample": resample, "rescale_factor": 0.00392156862745098, "size": {"height": height, "width": width},
    }


def processor(cfg: dict, **override):
    from transformers import CLIPImageProcessorPil, SiglipImageProcessorPil

    kind = {"CLIPImageProcessor": CLIPImageProcessorPil, "SiglipImageProcessor": SiglipImageProcessorPil}[cfg["image_processor_type"]]
    args = {k: v for k, v in cfg.items() if k not in ("image_processor_type", "processor_class")}
    args.update(override)
    return kind(**args)


def pixel_values(cfg: dict, names: list[str], **override) -> np.ndarray:
    proc = processor(cfg, **override)
    out = [proc(images=Image.open(INPUTS / n), return_tensors="np")["pixel_values"][0] for n in names]
    return np.stack(out)


# Pixel-only cells: the uint8 image after resize and crop (rescale and normalize off), for each
# filter and size rule a processor config can name.
PIXEL_CELLS = {
    "clip-bicubic-40-crop-36": clip_processor_config(40, 36, 3),
    "clip-bilinear-32-crop-32": clip_processor_config(32, 32, 2),
    "siglip-bilinear-20x28": siglip_processor_config(20, 28, 2),
    "siglip-lanczos-24x24": siglip_processor_config(24, 24, 1),
    "siglip-box-16x16": siglip_processor_config(16, 16, 4),
    "siglip-hamming-18x30": siglip_processor_config(18, 30, 5),
    "clip-bicubic-30-crop-36": clip_processor_config(30, 36, 3),  # crop larger than the resized image: zero padding
}


def pixel_cells() -> None:
    names = image_names()
    folder = c.fresh(OUT / "pixels")
    index = {}
    for cell, cfg in PIXEL_CELLS.items():
        px = pixel_values(cfg, names, do_rescale=False, do_normalize=False)
        assert np.all(px == np.round(px)) and px.min() >= 0 and px.max() <= 255
        (folder / f"{cell}.bin").write_bytes(px.astype(np.uint8).tobytes())
        index[cell] = {"preprocessor_config": cfg, "shape": list(px.shape)}
    c.write_json(folder / "pixels.json", {
        "reference": "transformers CLIPImageProcessorPil / SiglipImageProcessorPil with do_rescale and do_normalize off: "
                     "uint8 NCHW after convert_rgb, resize and center crop, images in inputs.json order",
        "versions": c.versions(),
        "cells": index,
    })
    print("pixels ok")


# ---------------------------------------------------------------------------------------------
# Tokenizers
# ---------------------------------------------------------------------------------------------


def clip_tokenizer(max_len: int):
    """CLIP's tokenizer.json shape: NFC + whitespace + lowercase, CLIP's split regex, byte-level
    BPE with `</w>` word ends, <|startoftext|> ... <|endoftext|>, padded with <|endoftext|>."""
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(end_of_word_suffix="</w>", unk_token="<|endoftext|>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"), behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=["<|startoftext|>", "<|endoftext|>"], end_of_word_suffix="</w>",
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), min_frequency=2)
    tok.train_from_iterator(c.corpus() + TEXTS, trainer=trainer)
    bos, eos = tok.token_to_id("<|startoftext|>"), tok.token_to_id("<|endoftext|>")
    tok.post_processor = processors.RobertaProcessing(("<|endoftext|>", eos), ("<|startoftext|>", bos), trim_offsets=False, add_prefix_space=False)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|startoftext|>", eos_token="<|endoftext|>",
                                   unk_token="<|endoftext|>", pad_token="<|endoftext|>", model_max_length=max_len,
                                   model_input_names=["input_ids", "attention_mask"]), tok


def siglip_tokenizer(max_len: int):
    """SigLIP's shape: a SentencePiece Unigram with `$A </s>`, padded with </s> to max_length, no
    attention mask (the text tower reads the last position)."""
    from transformers import PreTrainedTokenizerFast

    tok = c.sentencepiece_unigram("XLMRobertaConverter")
    eos = tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", eos)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="</s>", unk_token="<unk>", pad_token="</s>",
                                   model_max_length=max_len, model_input_names=["input_ids"]), tok


# ---------------------------------------------------------------------------------------------
# Models and export
# ---------------------------------------------------------------------------------------------


def _features(out) -> torch.Tensor:
    return out if isinstance(out, torch.Tensor) else out.pooler_output


class TextTower(torch.nn.Module):
    def __init__(self, model, with_mask: bool, name: str):
        super().__init__()
        self.model, self.with_mask, self.name = model, with_mask, name

    def forward(self, input_ids, attention_mask=None):
        kw = {"attention_mask": attention_mask} if self.with_mask else {}
        out = self.model.get_text_features(input_ids=input_ids, **kw)
        return _features(out), out.last_hidden_state


class VisionTower(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        out = self.model.get_image_features(pixel_values=pixel_values)
        return _features(out), out.last_hidden_state


class Joint(torch.nn.Module):
    def __init__(self, model, with_mask: bool):
        super().__init__()
        self.model, self.with_mask = model, with_mask

    def forward(self, input_ids, pixel_values, attention_mask=None):
        kw = {"attention_mask": attention_mask} if self.with_mask else {}
        o = self.model(input_ids=input_ids, pixel_values=pixel_values, **kw)
        return o.logits_per_image, o.logits_per_text, o.text_embeds, o.image_embeds


def _export(module, example: tuple, names: list[str], outputs: list[str], shapes: tuple, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    program = torch.onnx.export(module, example, input_names=names, output_names=outputs, dynamic_shapes=shapes,
                                opset_version=18, dynamo=True, external_data=False)
    program.save(str(path), external_data=False)
    c._slim(path)


def export_all(model, folder: Path, family: str, seq: int) -> None:
    with_mask = family == "clip"
    batch, tbatch, length = torch.export.Dim("batch_size"), torch.export.Dim("text_batch_size"), torch.export.Dim("sequence_length", max=seq)
    ids = torch.randint(5, 50, (2, seq))
    mask = torch.ones(2, seq, dtype=torch.long)
    mask[1, seq - 3:] = 0
    px = torch.randn(2, 3, IMAGE_SIZE, IMAGE_SIZE)
    text_out = ["text_embeds", "last_hidden_state"] if family == "clip" else ["pooler_output", "last_hidden_state"]
    vision_out = ["image_embeds", "last_hidden_state"] if family == "clip" else ["pooler_output", "last_hidden_state"]
    split = folder / "split" / "onnx"
    if with_mask:
        _export(TextTower(model, True, "text"), (ids, mask), ["input_ids", "attention_mask"], text_out,
                ({0: tbatch, 1: length}, {0: tbatch, 1: length}), split / "text_model.onnx")
    else:
        _export(TextTower(model, False, "text"), (ids,), ["input_ids"], text_out, ({0: tbatch, 1: length},), split / "text_model.onnx")
    _export(VisionTower(model), (px,), ["pixel_values"], vision_out, ({0: batch},), split / "vision_model.onnx")
    joint = folder / "joint" / "onnx" / "model.onnx"
    outs = ["logits_per_image", "logits_per_text", "text_embeds", "image_embeds"]
    if with_mask:
        _export(Joint(model, True), (ids, px, mask), ["input_ids", "pixel_values", "attention_mask"], outs,
                ({0: tbatch, 1: length}, {0: batch}, {0: tbatch, 1: length}), joint)
    else:
        _export(Joint(model, False), (ids, px), ["input_ids", "pixel_values"], outs, ({0: tbatch, 1: length}, {0: batch}), joint)


def _scale(model, seed: int):
    """Weights at a scale where every pixel and token matters (see design notes in common_encoders),
    except the learned logit scale and bias, kept readable."""
    scale = model.logit_scale.detach().clone()
    bias = model.logit_bias.detach().clone() if hasattr(model, "logit_bias") else None
    c.scale_weights(model, seed)
    with torch.no_grad():
        model.logit_scale.copy_(scale + 0.25)
        if bias is not None:
            model.logit_bias.copy_(bias + 1.5)
    return model


def family_cell(family: str, seed: int) -> None:
    import onnxruntime as ort
    import transformers as tf

    names = image_names()
    folder = c.fresh(OUT / family)
    text_len = 24 if family == "clip" else 16
    if family == "clip":
        tok, raw = clip_tokenizer(text_len)
        common = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2)
        cfg = tf.CLIPConfig(
            text_config=dict(vocab_size=len(tok), max_position_embeddings=text_len, eos_token_id=tok.eos_token_id,
                             bos_token_id=tok.bos_token_id, pad_token_id=tok.pad_token_id, **common),
            vision_config=dict(image_size=IMAGE_SIZE, patch_size=PATCH, **common), projection_dim=16,
        )
        cfg._attn_implementation = "eager"
        model = _scale(tf.CLIPModel(cfg), seed).eval()
        pre = clip_processor_config()
        enc = tok(TEXTS, padding=True, truncation=True, return_tensors="pt")
        text_inputs = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}
        ids = [[int(t) for t, m in zip(row, mrow) if m] for row, mrow in zip(enc["input_ids"], enc["attention_mask"])]
    else:
        tok, raw = siglip_tokenizer(text_len)
        common = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2)
        cfg = tf.SiglipConfig(
            text_config=dict(vocab_size=len(tok), max_position_embeddings=text_len, pad_token_id=tok.pad_token_id,
                             eos_token_id=tok.eos_token_id, projection_size=32, **common),
            vision_config=dict(image_size=IMAGE_SIZE, patch_size=PATCH, **common),
        )
        cfg._attn_implementation = "eager"
        model = _scale(tf.SiglipModel(cfg), seed).eval()
        pre = siglip_processor_config()
        enc = tok(TEXTS, padding="max_length", max_length=text_len, truncation=True, return_tensors="pt")
        text_inputs = {"input_ids": enc["input_ids"]}
        ids = [[int(t) for t in row] for row in enc["input_ids"]]
    # The tokenizer.json a JS reader sees gives the same ids as the reference tokenizer.
    reader = Tokenizer.from_str(raw.to_str())
    reader.enable_truncation(text_len)
    for text, want in zip(TEXTS, ids):
        got = reader.encode(text).ids
        assert want[: len(got)] == got, (text, got, want)

    px = torch.from_numpy(pixel_values(pre, names))
    with torch.no_grad():
        text = _features(model.get_text_features(**text_inputs))
        image = _features(model.get_image_features(pixel_values=px))
        joint = model(pixel_values=px, **text_inputs)
        # Sensitivity: one pixel of one image off by 1/255, and bilinear for bicubic.
        nudged = px.clone()
        nudged[0, 0, 10, 10] += (1 / 255) / pre["image_std"][0]
        moved_pixel = float((_features(model.get_image_features(pixel_values=nudged)) - image)[0].abs().max())
        bilinear = torch.from_numpy(pixel_values(pre, names, resample=2))
        moved_filter = float((_features(model.get_image_features(pixel_values=bilinear)) - image).abs().max())

    for layout in ("split", "joint"):
        out = folder / layout
        out.mkdir(parents=True, exist_ok=True)
        model.config.save_pretrained(out)
        tok.save_pretrained(out)
        c.write_json(out / "preprocessor_config.json", pre)
    export_all(model, folder, family, text_len)
    # The exports agree with torch on the golden inputs.
    s_text = ort.InferenceSession(str(folder / "split" / "onnx" / "text_model.onnx"))
    s_vis = ort.InferenceSession(str(folder / "split" / "onnx" / "vision_model.onnx"))
    t_onnx = s_text.run(None, {k: v.numpy() for k, v in text_inputs.items()})[0]
    v_onnx = s_vis.run(None, {"pixel_values": px.numpy()})[0]
    export_err = max(float(np.abs(t_onnx - text.numpy()).max()), float(np.abs(v_onnx - image.numpy()).max()))
    assert export_err < TOL, export_err
    for layout in ("split", "joint"):
        (folder / layout / "special_tokens_map.json").unlink(missing_ok=True)
    # The joint folder shares the split one's tokenizer (the test copies it in; it is the largest
    # file), and the split one keeps the learned logit scale and bias as a Hub model.safetensors
    # holds them (the separate towers' graphs do not).
    (folder / "joint" / "tokenizer.json").unlink()
    from safetensors.torch import save_file

    head = {"logit_scale": model.logit_scale.detach().clone()}
    if hasattr(model, "logit_bias"):
        head["logit_bias"] = model.logit_bias.detach().clone()
    save_file(head, str(folder / "split" / "model.safetensors"))

    (folder / "pixel-values.bin").write_bytes(px.numpy().astype("<f4").tobytes())
    golden = {
        "cell": f"images/{family}",
        "reference": "transformers get_text_features / get_image_features on PIL-processed pixel values "
                     f"({'CLIPImageProcessorPil' if family == 'clip' else 'SiglipImageProcessorPil'}); logits from the model's forward",
        "versions": c.versions(),
        "tolerance": TOL,
        "texts": TEXTS,
        "inputIds": ids,
        "images": names,
        "pixelValues": {"file": "pixel-values.bin", "dtype": "float32", "shape": list(px.shape)},
        "textEmbeddings": text.tolist(),
        "imageEmbeddings": image.tolist(),
        "logitScale": float(model.logit_scale.exp()),
        "logitBias": float(model.logit_bias) if hasattr(model, "logit_bias") else None,
        "logitsPerText": joint.logits_per_text.tolist(),
        "exportMaxAbsError": export_err,
        "sensitivity": {"onePixelOneLevel": moved_pixel, "bilinearForBicubic": moved_filter},
    }
    c.write_json(folder / "golden.json", golden)
    print(f"{family} ok: export err {export_err:.2e}, one pixel moves {moved_pixel:.2e}, bilinear moves {moved_filter:.2e}")


CELLS = {
    "inputs": write_inputs,
    "pixels": pixel_cells,
    "clip": lambda: family_cell("clip", 41),
    "siglip": lambda: family_cell("siglip", 42),
}


if __name__ == "__main__":
    wanted = sys.argv[1:] or list(CELLS)
    for name in wanted:
        CELLS[name]()
