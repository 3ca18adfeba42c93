#!/usr/bin/python3
"""Rebuilds dlib's ResNet-29 face descriptor as ONNX from face-api's tfjs weights.

@vladmandic/face-api ships only the weights (uint8-quantised tfjs shards); the
network is code (src/faceRecognitionNet/*.ts). This script re-creates that
code as an ONNX graph that OpenCV 4.6's DNN importer accepts. Choices that are
not obvious from the ONNX alone:

* Input is NCHW float RGB in 0..255, exactly 150x150. The mean subtraction and
  /255 of FaceRecognitionNet.forwardInput are inside the graph, so a caller
  only resizes and swaps BGR->RGB (the constant says /255, not /256). They are
  folded into the first convolution rather than kept as Sub/Div nodes:
  OpenCV 4.6 fails ("shape_utils.hpp:170 ... total") on a Sub with a
  [1,3,1,1] constant as soon as the batch is larger than 1. The fold is exact
  algebra because that convolution has no padding ('valid').
* tfjs 'valid' padding on the stride-2 convolutions and the 3x3/2 max-pool is
  intentional (it matches dlib); 'same' on the stride-1 3x3 convolutions is a
  symmetric pad of 1.
* The per-channel "scale" layer (affine after conv+bias) is folded into the
  convolution: W*s, b*s + t. Exact up to float rounding.
* The shortcut of a down-sampling block is a 2x2/2 average pool, zero-padded
  in channels when the block doubles them. We express both as one 2x2/2
  convolution with fixed weights (0.25 on the diagonal, 0 for the new
  channels): OpenCV 4.6 has no clean channel-axis Pad/Concat-with-zeros path.
* At 8->3 and 4->1 the strided 'valid' convolution is one pixel smaller than
  the pooled shortcut; face-api appends a zero row and column (bottom, right)
  to the residual branch. That is an ONNX Pad (constant 0, end of H and W).
* Global mean over H,W then a 256->128 fully connected layer (no bias, no
  L2 normalisation: face-api returns the raw 128-d vector).

The output file is byte-deterministic (no timestamps, fixed node order).
"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tfjs_weights import load_manifest

MEAN_RGB = np.array([122.782, 117.001, 104.298], dtype=np.float32)
INPUT_SIZE = 150


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def const(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(self, op, inputs, name, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def conv(self, x, name, w_hwio, b, stride, pad):
        w = np.transpose(w_hwio, (3, 2, 0, 1))  # tfjs HWIO -> ONNX OIHW
        k = w.shape[2]
        return self.node("Conv", [x, self.const(name + "/W", w.astype(np.float32)),
                                  self.const(name + "/B", b.astype(np.float32))], name,
                         kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)


def conv_layer(g, W, x, prefix, stride, relu, input_mean=None, input_div=None):
    filters = W[prefix + "/conv/filters"]
    bias = W[prefix + "/conv/bias"]
    s, t = W[prefix + "/scale/weights"], W[prefix + "/scale/biases"]
    # Fold the affine "scale" layer; compute in float64 then round once.
    wf = filters.astype(np.float64) * s.astype(np.float64)
    bf = bias.astype(np.float64) * s + t
    if input_mean is not None:
        # conv((x - m) / d) = conv(x) / d - sum_{h,w,i} W[h,w,i,o] * m[i] / d
        bf = bf - np.einsum("hwio,i->o", wf, input_mean.astype(np.float64)) / input_div
        wf = wf / input_div
    pad = 1 if stride == 1 else 0  # 'same' for 3x3/1, 'valid' for every stride-2 conv
    y = g.conv(x, prefix, wf, bf, stride, pad)
    return g.node("Relu", [y], prefix + "/relu") if relu else y


def residual(g, W, x, prefix):
    y = conv_layer(g, W, x, prefix + "/conv1", 1, True)
    y = conv_layer(g, W, y, prefix + "/conv2", 1, False)
    y = g.node("Add", [y, x], prefix + "/add")
    return g.node("Relu", [y], prefix + "/out")


def residual_down(g, W, x, prefix, in_hw):
    cin = W[prefix + "/conv1/conv/filters"].shape[2]
    cout = W[prefix + "/conv1/conv/filters"].shape[3]
    y = conv_layer(g, W, x, prefix + "/conv1", 2, True)
    y = conv_layer(g, W, y, prefix + "/conv2", 1, False)
    conv_hw = (in_hw - 3) // 2 + 1
    pool_hw = in_hw // 2
    if conv_hw != pool_hw:
        assert pool_hw == conv_hw + 1
        pads = g.const(prefix + "/pads", np.array([0, 0, 0, 0, 0, 0, 1, 1], dtype=np.int64))
        y = g.node("Pad", [y, pads], prefix + "/pad", mode="constant")
    # avgPool 2x2/2 'valid' + zero channel padding as one fixed convolution.
    pw = np.zeros((cout, cin, 2, 2), dtype=np.float32)
    pw[np.arange(cin), np.arange(cin)] = 0.25
    shortcut = g.node("Conv", [x, g.const(prefix + "/shortcut/W", pw)], prefix + "/shortcut",
                      kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0])
    y = g.node("Add", [shortcut, y], prefix + "/add")
    return g.node("Relu", [y], prefix + "/out"), pool_hw


def build(W):
    g = Graph()
    x = conv_layer(g, W, "input", "conv32_down", 2, True,           # 150 -> 72
                   input_mean=MEAN_RGB, input_div=255.0)
    x = g.node("MaxPool", [x], "pool", kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 0, 0])  # -> 35
    hw = 35
    for p in ("conv32_1", "conv32_2", "conv32_3"):
        x = residual(g, W, x, p)
    x, hw = residual_down(g, W, x, "conv64_down", hw)              # -> 17
    for p in ("conv64_1", "conv64_2", "conv64_3"):
        x = residual(g, W, x, p)
    x, hw = residual_down(g, W, x, "conv128_down", hw)             # -> 8
    for p in ("conv128_1", "conv128_2"):
        x = residual(g, W, x, p)
    x, hw = residual_down(g, W, x, "conv256_down", hw)             # -> 4 (padded 3)
    for p in ("conv256_1", "conv256_2"):
        x = residual(g, W, x, p)
    x, hw = residual_down(g, W, x, "conv256_down_out", hw)         # -> 2 (padded 1)
    x = g.node("GlobalAveragePool", [x], "global_mean")
    x = g.node("Flatten", [x], "flatten", axis=1)
    fc = W["fc"].T  # tfjs [256,128] (x @ fc) -> Gemm B with transB=1
    # The zero bias C is not decoration: OpenCV 4.6 asserts in its shape code
    # on a two-input Gemm when the batch dimension is symbolic.
    g.nodes.append(helper.make_node("Gemm", [x, g.const("fc/W", fc),
                                             g.const("fc/B", np.zeros(128, np.float32))],
                                    ["descriptor"], name="fc", transB=1))

    graph = helper.make_graph(
        g.nodes, "dlib_face_recognition_resnet_v1",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, INPUT_SIZE, INPUT_SIZE])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["batch", 128])],
        g.inits)
    model = helper.make_model(graph, producer_name="framelock/scripts/models/convert_face_recognition.py",
                              opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 6
    model.doc_string = ("dlib ResNet face descriptor (dlib_face_recognition_resnet_model_v1, public domain) "
                        "from @vladmandic/face-api@1.7.15 tfjs weights. Input: NCHW RGB float 0..255, 150x150. "
                        "Output: raw 128-d descriptor (not L2-normalised).")
    onnx.checker.check_model(model)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", required=True, help="face_recognition_model-weights_manifest.json")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    model = build(load_manifest(a.manifest))
    with open(a.out, "wb") as f:
        f.write(model.SerializeToString())


if __name__ == "__main__":
    main()
