#!/usr/bin/env bash
# 24 looks of one 4K frame as a contact sheet: framelock variants vs FFmpeg doing the same job
# (decode the frame, scale to 480x270, apply each look as its .cube with lut3d, tile with xstack),
# side by side with hyperfine. The looks are framelock's default 24, exported as .cube by the
# first framelock run, so both sides apply the same grades.
#
# Usage: bench/variants.sh [--runs N] [--workdir DIR] [--framelock BIN]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
runs=5
work=/tmp/framelock-bench
fl="$here/build/bin/framelock"
footage=/usr/share/doc/opencv-doc/examples/data/Megamind.avi
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --workdir) work=$2; shift 2 ;;
    --framelock) fl=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ -x $fl ]] || { echo "framelock binary not found: $fl (run scripts/build.sh first)" >&2; exit 1; }
mkdir -p "$work"
src="$work/variants_src4k.mov"
if [[ ! -f $src ]]; then
  echo "making $src (24 frames of 3840x2160 ProRes 422 HQ from Megamind.avi)..."
  ffmpeg -nostdin -v error -y -i "$footage" -frames:v 24 -vf scale=3840:2160:flags=lanczos \
    -c:v prores_ks -profile:v 3 -pix_fmt yuv422p10le "$src"
fi
frame=12
cubes="$work/variants_looks"
"$fl" variants "$src" --frame $frame --out "$work/sheet_framelock.png" --cube-dir "$cubes" >/dev/null

# The FFmpeg side: 24 branches of scale + lut3d, stacked 6 x 4.
graph="[0:v]select=eq(n\\,$frame),scale=480:270:flags=area,format=rgb48le,split=24"
for i in $(seq 0 23); do graph+="[s$i]"; done
graph+=";"
i=0
layout=""
for cube in "$cubes"/*.cube; do
  graph+="[s$i]lut3d=file=$cube:interp=tetrahedral[o$i];"
  layout+="${layout:+|}$(( (i % 6) * 480 ))_$(( (i / 6) * 270 ))"
  i=$((i + 1))
done
for j in $(seq 0 23); do graph+="[o$j]"; done
graph+="xstack=inputs=24:layout=$layout[out]"
cmd_ff="ffmpeg -nostdin -v error -y -i $src -filter_complex \"$graph\" -map [out] -frames:v 1 $work/sheet_ffmpeg.png"
cmd_fl="$fl variants $src --frame $frame --out $work/sheet_framelock.png --cube-dir $cubes"

echo "machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine --style basic --runs "$runs" --warmup 1 -n ffmpeg "$cmd_ff" -n framelock "$cmd_fl"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
