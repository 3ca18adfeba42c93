#!/usr/bin/env bash
# Peak memory of `fill` against clip length: 720p clips of vtest with a moving object, 50 and
# 150 frames, each rendered whole (mask node + fill, FFV1 out). The published GPU inpainters need
# tens of GB for 50 frames of 720p because they hold the clip; fill holds its temporal window
# (6 frames each side), so the two peaks should be about the same.
#
# Usage: bench/fill_memory.sh [--workdir DIR] [--framelock BIN] [--long N]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
work=/tmp/framelock-bench
fl="$here/build/bin/framelock"
long=150
while [[ $# -gt 0 ]]; do
  case $1 in
    --workdir) work=$2; shift 2 ;;
    --framelock) fl=$2; shift 2 ;;
    --long) long=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ -x $fl ]] || { echo "framelock binary not found: $fl" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time missing (apt-get install time)" >&2; exit 1; }
mkdir -p "$work"
vtest=/usr/share/doc/opencv-doc/examples/data/vtest.avi

for n in 50 "$long"; do
  clip="$work/fill_720p_$n.mkv"
  # A 60x60 box moving 6 px a frame; overlay draws frame n where the track says n + 1.
  [[ -f $clip ]] || ffmpeg -nostdin -v error -y -i "$vtest" -f lavfi -i color=0xd02020:s=60x60 \
    -filter_complex "[0:v]trim=start_frame=100:end_frame=$((100 + n)),setpts=PTS-STARTPTS,scale=1280:720[b];[b][1:v]overlay=x=100+6*n:y=40:shortest=1" \
    -an -c:v ffv1 "$clip"
  cat > "$work/fill_720p_$n.json" <<JSON
{"sources": {"in": {"path": "$clip"}},
 "nodes": {"m": {"op": "mask", "inputs": ["in"], "params": {"shape": "0: rect 106 40 60 60; 1000: rect 6106 40 60 60", "dilate": 3}},
           "f": {"op": "fill", "inputs": {"in": "in", "mask": "m"}}},
 "outputs": [{"node": "f", "path": "$work/fill_720p_${n}_out.mkv"}]}
JSON
  /usr/bin/time -f "%e %M" -o "$work/fill_time_$n.txt" "$fl" render "$work/fill_720p_$n.json" \
    >/dev/null 2>"$work/fill_render_$n.log" || { cat "$work/fill_render_$n.log" >&2; exit 1; }
  awk -v n="$n" '{ printf "%4d frames of 1280x720: %6.1f s (%.3f s/frame), peak RSS %5.0f MiB\n", n, $1, $1 / n, $2 / 1024 }' \
    "$work/fill_time_$n.txt"
done
