#!/usr/bin/python3
"""Converts nsfwjs's MobileNetV2 "mid" classifier (tfjs graph model) to ONNX for OpenCV 4.6.

nsfwjs@4.4.0 bundles the model as JavaScript; extract_nsfwjs.mjs turns it into model.json and
its uint8-quantised shards first. The graph is a Keras MobileNetV2 (width 1.4) with a dense
head, already fused by the tfjs converter into a handful of ops; this handles exactly those and
refuses anything else. Choices that matter (the rest as convert_selfie.py):

* The ONNX graph is NCHW: input [1,3,224,224] RGB in 0..1 (what nsfwjs feeds: pixels / 255,
  bilinear with aligned corners to 224x224); the graph's own Mul/Sub (x * 2 - 1) is kept.
* _FusedConv2D and FusedDepthwiseConv2dNative carry their BiasAdd (a Conv bias) and optional
  Relu6 (Relu(x) - Relu(x - 6), as OpenCV 4.6 rejects opset-11 Clip's inputs).
* The 7x7 AvgPool is GlobalAveragePool, Squeeze is Flatten, _FusedMatMul is Gemm (transB), and the
  output 'scores' is the Softmax over Drawing, Hentai, Neutral, Porn, Sexy.

The output is byte-deterministic (no timestamps, graph order preserved).
"""
import argparse
import base64
import json
import os

import numpy as np
from convert_selfie import Converter, _attr, _same_pads
from tfjs_weights import load_weight_groups

CLASSES = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"]


def _fused_ops(node):
    a = node.get("attr", {}).get("fused_ops", {}).get("list", {}).get("s", [])
    return [base64.b64decode(s).decode() for s in a]


class NsfwConverter(Converter):
    def convert(self):
        for n in self.tf_nodes:
            name, op, ins = n["name"], n["op"], n.get("input", [])
            if op == "Placeholder":
                dims = [int(d["size"]) for d in _attr(n, "shape")["shape"]["dim"]]
                self.input_shape = [1, dims[3], dims[1], dims[2]]
                self.name[name], self.shape[name] = "input", self.input_shape
            elif op in ("Mul", "Sub"):
                x, c = (ins[1], ins[0]) if ins[0] in self.consts else (ins[0], ins[1])
                if c not in self.consts or (op == "Sub" and ins[0] in self.consts):
                    raise NotImplementedError(f"{name}: {op} of two tensors")
                self.emit(op, [self.name[x], self.per_channel(name + "/c", self.consts[c])], name)
                self.name[name], self.shape[name] = name, self.shape[x]
            elif op in ("_FusedConv2D", "FusedDepthwiseConv2dNative"):
                fused = _fused_ops(n)
                if fused not in (["BiasAdd"], ["BiasAdd", "Relu6"]):
                    raise NotImplementedError(f"{name}: fused ops {fused}")
                x, w, b = ins[:3]
                w = self.consts[w]
                n_, c, h, wd = self.shape[x]
                k, s = list(w.shape[:2]), _attr(n, "strides")[1:3]
                if op == "_FusedConv2D":
                    ow, group = np.transpose(w, (3, 2, 0, 1)), 1  # HWIO -> OIHW
                else:
                    ow, group = np.transpose(w, (2, 3, 0, 1)).reshape(-1, 1, *k), c
                if _attr(n, "padding") == "SAME":
                    pads, out_hw = _same_pads([h, wd], k, s)
                else:
                    pads, out_hw = [0] * 4, [(h - k[0]) // s[0] + 1, (wd - k[1]) // s[1] + 1]
                conv = name + "/conv" if "Relu6" in fused else name
                self.emit("Conv", [self.name[x], self.const(name + "/W", ow.astype(np.float32)),
                                   self.const(name + "/B", self.consts[b].astype(np.float32))],
                          conv, kernel_shape=k, strides=s, pads=pads, group=group)
                if "Relu6" in fused:
                    self.relu6(conv, name)
                self.name[name], self.shape[name] = name, [n_, ow.shape[0]] + out_hw
            elif op == "AddV2":
                a, b = ins
                self.emit("Add", [self.name[a], self.name[b]], name)
                self.name[name], self.shape[name] = name, self.shape[a]
            elif op == "AvgPool":
                n_, c, h, wd = self.shape[ins[0]]
                if _attr(n, "ksize")[1:3] != [h, wd] or _attr(n, "padding") != "VALID":
                    raise NotImplementedError(f"{name}: non-global AvgPool")
                self.emit("GlobalAveragePool", [self.name[ins[0]]], name)
                self.name[name], self.shape[name] = name, [n_, c, 1, 1]
            elif op == "Squeeze":
                self.emit("Flatten", [self.name[ins[0]]], name, axis=1)
                self.name[name], self.shape[name] = name, self.shape[ins[0]][:2]
            elif op == "_FusedMatMul":
                if _fused_ops(n) != ["BiasAdd"] or _attr(n, "transpose_a") or _attr(n, "transpose_b"):
                    raise NotImplementedError(f"{name}: only x @ W + b is handled")
                x, w, b = ins
                # OpenCV 4.6 reads Gemm's B as [out, in] (transB=1) only.
                wt = np.ascontiguousarray(self.consts[w].T.astype(np.float32))
                self.emit("Gemm", [self.name[x], self.const(name + "/W", wt),
                                   self.const(name + "/B", self.consts[b].astype(np.float32))], name,
                          transB=1)
                self.name[name], self.shape[name] = name, [1, self.consts[w].shape[1]]
            elif op == "Softmax":
                self.emit("Softmax", [self.name[ins[0]]], name, axis=1)
                self.name[name], self.shape[name] = name, self.shape[ins[0]]
            elif op == "Identity":
                self.name[name], self.shape[name] = self.name[ins[0]], self.shape[ins[0]]
            else:
                raise NotImplementedError(f"{name}: TF op {op} is not handled")
        return self

    def model(self, output_tf_name):
        return self.finish(output_tf_name, "scores", "nsfwjs_mobilenet_v2_mid_224", [1, len(CLASSES)],
                           "framelock/scripts/models/convert_nsfw.py",
                           "nsfwjs@4.4.0 mobilenet_v2_mid (MIT, Infinite Red). Input: NCHW RGB float "
                           "0..1, 1x3x224x224. Output 'scores': 1x5 softmax over " + ", ".join(CLASSES))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="model.json (its shards beside it)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.model) as f:
        j = json.load(f)
    weights = load_weight_groups(j["weightsManifest"], os.path.dirname(a.model))
    outputs = list(j["userDefinedMetadata"]["signature"]["outputs"].keys())
    assert len(outputs) == 1
    m = NsfwConverter(j["modelTopology"], weights).convert().model(outputs[0].split(":")[0])
    with open(a.out, "wb") as f:
        f.write(m.SerializeToString())


if __name__ == "__main__":
    main()
