"""Reads TensorFlow.js weight shards (weights manifest + .bin files) into numpy.

Only what our two packages use: float32 / int32 tensors, optionally stored as
uint8 or uint16 affine quantisation or as float16. De-quantisation follows
tfjs-core's io_utils.decodeWeights exactly (the affine step in double, then
rounded to float32), so the converted ONNX weights are bit-identical to the
tensors tfjs itself would build from the same files.
"""
import json
import os

import numpy as np


def _dequantise(raw, spec):
    q = spec.get("quantization")
    count = int(np.prod(spec["shape"], dtype=np.int64))
    if q is None:
        dtype = {"float32": "<f4", "int32": "<i4"}[spec["dtype"]]
        nbytes = count * 4
        return np.frombuffer(raw[:nbytes], dtype=dtype).reshape(spec["shape"]), nbytes
    if q["dtype"] in ("uint8", "uint16"):
        qdtype, size = ("<u1", 1) if q["dtype"] == "uint8" else ("<u2", 2)
        nbytes = count * size
        v = np.frombuffer(raw[:nbytes], dtype=qdtype).astype(np.float64)
        v = (v * q["scale"] + q["min"]).astype(np.float32)
        if spec["dtype"] == "int32":
            v = v.astype(np.int32)
        return v.reshape(spec["shape"]), nbytes
    if q["dtype"] == "float16":
        nbytes = count * 2
        v = np.frombuffer(raw[:nbytes], dtype="<f2").astype(np.float32)
        return v.reshape(spec["shape"]), nbytes
    raise ValueError(f"{spec['name']}: unsupported quantisation {q['dtype']}")


def load_weight_groups(groups, base_dir):
    """groups: the manifest list ([{paths, weights}, ...]). Returns {name: ndarray}."""
    out = {}
    for group in groups:
        raw = b"".join(open(os.path.join(base_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            arr, used = _dequantise(raw[offset:], spec)
            out[spec["name"]] = np.ascontiguousarray(arr)
            offset += used
        if offset != len(raw):
            raise ValueError(f"{group['paths']}: {len(raw) - offset} bytes left over")
    return out


def load_manifest(path):
    """A standalone weights manifest (face-api style)."""
    with open(path) as f:
        return load_weight_groups(json.load(f), os.path.dirname(path))
