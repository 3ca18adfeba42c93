#!/usr/bin/env bash
# Scene lock of a 4K shot: 24 frames of 3840x2160 ProRes 422 HQ (Megamind's first shot, upscaled)
# graded by FFmpeg, locked back to an ungraded frame. Reports the analysis (one fit for the
# shot) and the per-frame cost, and in the same run FFmpeg applying the exported .cube (lut3d)
# to the same clip: the simple peer for the per-frame part.
#
# Usage: bench/scene_lock.sh [--runs N] [--workdir DIR] [--framelock BIN]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
runs=3
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
graded="$work/lock_graded4k.mov"
ref="$work/lock_ref4k.png"
if [[ ! -f $graded ]]; then
  echo "making $graded (24 frames of 3840x2160 ProRes 422 HQ, graded)..."
  ffmpeg -nostdin -v error -y -i "$footage" -vf "trim=start_frame=30:end_frame=54,setpts=PTS-STARTPTS,scale=3840:2160:flags=lanczos,format=gbrp16le,colorchannelmixer=rr=0.97:rg=0.03:gg=0.93:bb=0.8:br=0.04,curves=all='0/0.05 0.5/0.55 1/0.97'" \
    -c:v prores_ks -profile:v 3 -pix_fmt yuv422p10le "$graded"
  ffmpeg -nostdin -v error -y -i "$footage" -vf "select=eq(n\\,40),scale=3840:2160:flags=lanczos" \
    -frames:v 1 -pix_fmt rgb48be "$ref"
fi
mkdir -p "$work/lock_export"
"$fl" apply "$graded" "$work/lock_out.mov" scene_lock reference="$ref" shots=none \
  --codec prores_ks --export "$work/lock_export" 2>/dev/null
cube="$work/lock_export/op_shot01.cube"

# Analysis alone: lock one frame (the fit still looks at the whole shot).
hyperfine --runs "$runs" --export-json "$work/scene_lock.json" \
  -n "framelock analysis + 1 frame" \
  "$fl apply $graded $work/lock_one.mov scene_lock reference=$ref shots=none --frames 0-0 --codec prores_ks" \
  -n "framelock scene_lock, 24 frames" \
  "$fl apply $graded $work/lock_out.mov scene_lock reference=$ref shots=none --codec prores_ks" \
  -n "framelock lut3d (exported .cube), 24 frames" \
  "$fl apply $graded $work/lock_cube.mov lut3d file=$cube --codec prores_ks" \
  -n "ffmpeg lut3d (exported .cube), 24 frames" \
  "ffmpeg -nostdin -v error -y -i $graded -vf format=rgb48le,lut3d=file=$cube -c:v prores_ks -profile:v 3 -pix_fmt yuv422p10le $work/lock_ffmpeg.mov"
