#!/usr/bin/env bash
# Proof that framelock embeds: installs the built package into a fresh prefix, builds
# examples/embed/ (C and C++) against it with find_package and, for C, with pkg-config only,
# runs each on a clip, and checks that none of them links OpenCV.
# Usage: scripts/ci_embed.sh [build-dir] [clip]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="$(realpath "${1:-build}")"
CLIP="$(realpath "${2:-/usr/share/doc/opencv-doc/examples/data/vtest.avi}")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PREFIX="$WORK/prefix"

cmake --install "$BUILD_DIR" --prefix "$PREFIX" >/dev/null
for lang in c cpp; do
  # Only the installed package on the search path: nothing from this checkout.
  cmake -S "examples/embed/$lang" -B "$WORK/$lang" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
  cmake --build "$WORK/$lang" >/dev/null
done
PKG_CONFIG_PATH="$(dirname "$(find "$PREFIX" -name framelock.pc)")"
export PKG_CONFIG_PATH
# The lean library, and the full one (every operator) that the same program links as well.
for pc in framelock framelock_full; do
  cc -std=c99 -Wall -Werror examples/embed/c/embed.c -o "$WORK/embed_c_pc_$pc" \
    $(pkg-config --cflags --libs $pc) -Wl,-rpath,"$(pkg-config --variable=libdir $pc)"
done

for bin in "$WORK/c/embed_c" "$WORK/cpp/embed_cpp" "$WORK/embed_c_pc_framelock" \
  "$WORK/embed_c_pc_framelock_full"; do
  name="$(basename "$bin")"
  # Only the lean builds must keep OpenCV out (the full library brings it by design).
  if [[ "$name" != *_full ]] && readelf -d "$bin" | grep NEEDED | grep -qi opencv; then
    echo "ci_embed: $name links OpenCV" >&2
    exit 1
  fi
  echo "== $name"
  "$bin" "$CLIP" "$WORK/$name.mkv"
done
lib="$(find "$PREFIX" -name 'libframelock.so.*' -type f | head -1)"
echo "ci_embed: libframelock NEEDED: $(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
echo "ci_embed: OpenCV loaded with it (transitively, through OIIO): $(ldd "$lib" | grep -o 'libopencv[a-z_]*' | sort -u | tr '\n' ' ')"
