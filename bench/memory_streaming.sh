#!/usr/bin/env bash
# Streaming memory check: peak RSS of a 4K render of 100 frames vs 1,000 frames.
# DESIGN.md §1 "Streaming": peak memory depends on the temporal window, never on clip length.
# The issue's claim: the two peaks differ by less than 10%.
#
# Source: a 1,000-frame 3840x2160 MJPEG clip (testsrc2, 100 frames encoded once then stream-copied
# 10 times), so that decoding is cheap and the run measures framelock, not the decoder.
# Render: `framelock apply SRC null exposure stops=0.3 --frames 0-N` (null sink: no encode, no disk).
#
# Usage: bench/memory_streaming.sh [--workdir DIR] [--framelock BIN] [--long N] [--float-path]
# (--float-path measures the linear-float path; by default this plan takes the 16-bit integer
# path, exposure being a per-channel curve on code values.)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
work=/tmp/framelock-bench
fl="$here/build/bin/framelock"
long=1000
extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --workdir) work=$2; shift 2 ;;
    --framelock) fl=$2; shift 2 ;;
    --long) long=$2; shift 2 ;;
    --float-path) extra=(--float-path); shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ -x $fl ]] || { echo "framelock binary not found: $fl" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time missing (apt-get install time)" >&2; exit 1; }
mkdir -p "$work"

seg="$work/testsrc2_4k_100.mkv"
src="$work/testsrc2_4k_1000.mkv"
if [[ ! -f $src ]]; then
  echo "making $src ..."
  ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=3840x2160:rate=24 -frames:v 100 \
    -c:v mjpeg -q:v 6 -pix_fmt yuvj420p "$seg"
  ffmpeg -nostdin -v error -y -stream_loop 9 -i "$seg" -c copy "$src"
fi

peak_kb() {  # frames -> "peak_kB wall_s"
  local last=$(($1 - 1)) log="$work/time_$1.log"
  /usr/bin/time -v "$fl" apply "$src" null exposure stops=0.3 --frames "0-$last" "${extra[@]}" >/dev/null 2>"$log"
  local kb wall
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
  echo "$kb $wall"
}

echo "machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r short_kb short_wall < <(peak_kb 100)
read -r long_kb long_wall < <(peak_kb "$long")
diff=$(echo "100 * ($long_kb - $short_kb) / $short_kb" | bc -l)
echo
printf '| %-12s | %14s | %10s |\n' "frames" "peak RSS" "wall"
printf '|%s|%s|%s|\n' "--------------" "----------------" "------------"
printf '| %-12s | %11.1f MB | %10s |\n' 100 "$(echo "$short_kb / 1024" | bc -l)" "$short_wall"
printf '| %-12s | %11.1f MB | %10s |\n' "$long" "$(echo "$long_kb / 1024" | bc -l)" "$long_wall"
printf '\npeak RSS difference (%s vs 100 frames): %+.1f%% (claim: < 10%%)\n' "$long" "$diff"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
