#!/usr/bin/env bash
# What Content Credentials cost a delivery (docs/benchmarks.md §16): a 4K render's wall time with
# its manifest, beside bench_c2pa's time to sign and verify the same file and the peers in the
# same run (a plain copy, OpenSSL's SHA-256).
# Usage: bench/c2pa_cost.sh [BUILD_DIR] [WORK_DIR]
set -euo pipefail
BUILD="${1:-build}"
WORK="${2:-/tmp/framelock-c2pa-bench}"
FL="$BUILD/bin/framelock"
MEGA=/usr/share/doc/opencv-doc/examples/data/Megamind.avi
mkdir -p "$WORK"
export FRAMELOCK_HOME="$WORK/home"
if [ ! -f "$WORK/src4k.mov" ]; then
  ffmpeg -v error -y -i "$MEGA" -frames:v 48 -vf scale=3840:2160:flags=bicubic -c:v prores_ks \
    -profile:v 3 "$WORK/src4k.mov"
fi
for spec in "out.mov prores_ks" "out.mp4 libx264"; do
  set -- $spec
  rm -f "$WORK/$1"
  start=$(date +%s.%N)
  "$FL" apply "$WORK/src4k.mov" "$WORK/$1" exposure stops=0.3 --codec "$2" 2>/dev/null
  end=$(date +%s.%N)
  echo "{\"render\": \"$1 ($2, 48 frames 4K)\", \"render_s\": $(python3 -c "print(round($end - $start, 2))")}"
  "$BUILD/bin/bench_c2pa" "$WORK/$1" 5
done
"$FL" apply "$WORK/src4k.mov" "$WORK/still.png" exposure stops=0.3 --frames 0-0 2>/dev/null
"$BUILD/bin/bench_c2pa" "$WORK/still.png" 5
