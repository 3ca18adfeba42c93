#!/usr/bin/env bash
# Server under load, on loopback: wrk against GET /v1/jobs/{id} and GET /v1/ops while a 4K job
# renders, then preview round-trip latency on the 4K source (bench/preview_latency.mjs).
# Usage: bench/server.sh [--frames N] [--duration S] [--workdir DIR] [--framelock BIN]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/server_lib.sh
source "$here/bench/server_lib.sh"
frames=96
duration=15
work=/tmp/framelock-bench
fl="$here/build/bin/framelock"
while [[ $# -gt 0 ]]; do
  case $1 in
    --frames) frames=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --workdir) work=$2; shift 2 ;;
    --framelock) fl=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk not found (scripts/setup.sh installs it)" >&2; exit 1; }
mkdir -p "$work"
src="$work/src4k_${frames}f.mov"
make_4k_prores "$src" "$frames"
start_server "$fl" "$work" "$src"

graph="{\"sources\":{\"clip\":{\"media\":\"$media\"}},\"nodes\":{\"g\":{\"op\":\"lut3d\",\"inputs\":[\"clip\"],\"params\":{\"file\":\"$work/look.cube\"}},\"e\":{\"op\":\"saturation\",\"inputs\":[\"g\"],\"params\":{\"saturation\":1.2}}}}"
cp "$here/examples/looks/filmic_warm.cube" "$work/look.cube"
job=$(curl -sf -H "$auth" -X POST "$base/v1/jobs" -d "{\"graph\":$graph,\"output\":{\"node\":\"e\",\"name\":\"bench.mov\"}}" | grep -o "\"id\":\"j_[0-9a-f]*\"" | cut -d\" -f4)
sleep 3
echo "== while job $job renders $frames 4K frames:"
curl -sf -H "$auth" "$base/v1/jobs/$job" | grep -o '"state":"[a-z]*"\|"frames_done":[0-9]*' | tr '\n' ' '; echo
for path in "/v1/jobs/$job" "/v1/ops"; do
  echo "-- wrk -t2 -c8 -d${duration}s GET $path"
  wrk -t2 -c8 -d"${duration}s" --latency -H "$auth" "$base$path" | grep -E "Requests/sec|Latency|50%|90%|99%" 
done
curl -sf -H "$auth" "$base/v1/jobs/$job" | grep -o '"state":"[a-z]*"\|"frames_done":[0-9]*' | tr '\n' ' '; echo
curl -sf -H "$auth" -X DELETE "$base/v1/jobs/$job" >/dev/null || true
echo "== preview round trip, 4K source (no job running)"
node "$here/bench/preview_latency.mjs" "$base" "$token" "$media" 30
echo "== peer: ffmpeg decoding one 4K frame to a 1/8-size JPEG (what a thumbnail costs without a server)"
times=()
for i in $(seq 0 9); do
  t0=$(date +%s%N)
  ffmpeg -nostdin -v error -y -ss "$(awk "BEGIN{print $i*0.5}")" -i "$src" -frames:v 1 -vf scale=480:-1 "$work/peer.jpg"
  times+=($(( ($(date +%s%N) - t0) / 1000000 )))
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END{printf "ffmpeg frame -> 1/8 JPEG: p50 %d ms, max %d ms (n=%d, process start included)\n", a[int(NR/2)+1], a[NR], NR}'
