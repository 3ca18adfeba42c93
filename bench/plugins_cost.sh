#!/usr/bin/env bash
# What the frei0r plugins cost inside FFmpeg (docs/benchmarks.md §17): 200 frames of 1080p
# through `ffmpeg -vf frei0r=framelock_...` beside FFmpeg's own filters for the same edit, in the
# same run, each arm three times (median wall time, and peak memory).
# Usage: bench/plugins_cost.sh [BUILD_DIR] [WORK_DIR]
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
WORK="${2:-/tmp/framelock-plugins-bench}"
mkdir -p "$WORK"
cd "$WORK"
export FREI0R_PATH=$BUILD/lib/frei0r-1
awk 'BEGIN {
  print "LUT_3D_SIZE 33"
  for (b = 0; b < 33; b++) for (g = 0; g < 33; g++) for (r = 0; r < 33; r++) {
    x = r / 32; y = g / 32; z = b / 32
    printf "%.6f %.6f %.6f\n", x * x * (3 - 2 * x), 0.5 * y + 0.5 * y ^ 0.8, z ^ 1.2
  }
}' > look.cube
# The source: 200 frames of Megamind at 1080p, decoded once into a lossless file (FFV1, RGB), so
# decoding is a small, equal share of every arm.
if [ ! -f src.mkv ]; then
  ffmpeg -v error -y -i /usr/share/doc/opencv-doc/examples/data/Megamind.avi -frames:v 200 \
    -vf scale=1920:1080:flags=bicubic,format=rgb24 -c:v ffv1 src.mkv
fi
arm() {  # arm NAME FILTER: median of three runs
  local name=$1 filter=$2 runs=()
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o t.txt ffmpeg -v error -nostdin -y -i src.mkv -vf "$filter" -f null -
    runs+=("$(cat t.txt)")
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p | awk -v n="$name" -v f="$filter" \
    '{printf "| %s | %.2f s | %.1f fps | %.0f MB | `%s` |\n", n, $1, 200 / $1, $2 / 1024, f}'
}
echo "| arm | wall (median of 3) | frames/s | peak RSS | filter |"
echo "|---|---:|---:|---:|---|"
arm "decode only" "format=rgba"
arm "FFmpeg lut3d (tetrahedral)" "format=rgb24,lut3d=file=look.cube:interp=tetrahedral"
arm "frei0r framelock_lut3d (tetrahedral, sRGB)" \
  "frei0r=filter_name=framelock_lut3d:filter_params=look.cube|tetrahedral|rec709|srgb"
arm "FFmpeg exposure (float planar)" "format=gbrpf32le,exposure=exposure=0.3,format=rgba"
arm "frei0r framelock_exposure (+0.3 stops, sRGB)" \
  "frei0r=filter_name=framelock_exposure:filter_params=0.5075|srgb"
arm "FFmpeg eq saturation" "eq=saturation=0.4"
arm "frei0r framelock_saturation (0.4, sRGB)" \
  "frei0r=filter_name=framelock_saturation:filter_params=0.1|srgb"
