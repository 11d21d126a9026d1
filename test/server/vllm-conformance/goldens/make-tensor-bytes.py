"""Goldens for embed_dtype x endianness: torch's own conversion, as vLLM's tensor2binary does it.

Run: python3 test/server/vllm-conformance/goldens/make-tensor-bytes.py
"""
import base64, json, sys
import numpy as np
import torch

rng = np.random.default_rng(7)
vals = np.concatenate([
    rng.normal(0, 0.3, 40), rng.normal(0, 30, 10),
    np.array([0.0, -0.0, 1.0, -1.0, 2 ** -20, -(2 ** -130), 1e-8, 3.0e-5, 65504.0, 70000.0, 440.0, 450.0, 500.0,
              57344.0, 60000.0, 1.0009765625, 1.00048828125, 0.0078125 * 1.0625, 2 ** -9, 2 ** -10 * 1.5, 2 ** -17 * 1.5]),
]).astype(np.float32)
dtypes = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16,
          "fp8_e4m3": torch.float8_e4m3fn, "fp8_e5m2": torch.float8_e5m2}
views = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.float16, "fp8_e4m3": torch.uint8, "fp8_e5m2": torch.uint8}
out = {"values": [float(v) for v in vals], "base64": {}}
t = torch.from_numpy(vals)
for name, dt in dtypes.items():
    for endian in ["native", "big", "little"]:
        arr = t.to(dt).flatten().contiguous().view(views[name]).numpy()
        if endian != "native" and endian != sys.byteorder:
            arr = arr.byteswap()
        out["base64"][f"{name}/{endian}"] = base64.b64encode(arr.tobytes()).decode()
json.dump(out, open(__file__.replace("make-tensor-bytes.py", "tensor-bytes.json"), "w"), indent=1)
