#!/usr/bin/env bash
# The command line's own overhead against FFmpeg's tools (issue 17 §6): start-up, probing a large
# file, a whole 4K 16-bit lut3d command, and a pass-through, each run N times in turn with its
# peer. Prints min and median wall seconds per command.
#
# Usage: bench/cli_overhead.sh [--runs N] [--workdir DIR] [--framelock BIN]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
runs=7
work=/tmp/framelock-bench
fl="$here/build/bin/framelock"
footage=/usr/share/doc/opencv-doc/examples/data/Megamind.avi
cube="$here/examples/looks/filmic_warm.cube"
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
clip="$work/overhead_4k_rgb48.nut"
if [[ ! -f $clip ]]; then
  echo "making $clip (12 frames of 3840x2160 rgb48le, raw in NUT, ~600 MB)..."
  ffmpeg -nostdin -v error -y -i "$footage" -frames:v 12 -vf scale=3840:2160:flags=lanczos \
    -pix_fmt rgb48le -c:v rawvideo "$clip"
fi
# The file in the page cache for both sides, as it is after the first run of either.
cat "$clip" >/dev/null

# time_runs NAME CMD...: N runs; prints "NAME min median" (seconds).
time_runs() {
  local name=$1
  shift
  local times=()
  for ((i = 0; i < runs; i++)); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v n="$name" '
    { v[NR] = $1 } END { printf "%-44s min %.3f s  median %.3f s\n", n, v[1], v[int((NR + 1) / 2)] }'
}

echo "runs: $runs; load before: $(cut -d' ' -f1 /proc/loadavg)"
time_runs "framelock --version" "$fl" --version
time_runs "ffprobe -version" ffprobe -version
time_runs "framelock probe (600 MB 4K NUT)" "$fl" probe "$clip"
time_runs "ffprobe (600 MB 4K NUT)" ffprobe -v error -show_streams "$clip"
time_runs "framelock apply null lut3d" "$fl" apply "$clip" null lut3d "file=$cube"
time_runs "ffmpeg -vf lut3d -f null" ffmpeg -nostdin -v error -i "$clip" -vf "lut3d=$cube" -f null -
time_runs "framelock apply null exposure stops=0" "$fl" apply "$clip" null exposure stops=0
time_runs "ffmpeg -f null (pass-through)" ffmpeg -nostdin -v error -i "$clip" -f null -
echo "load after: $(cut -d' ' -f1 /proc/loadavg)"
