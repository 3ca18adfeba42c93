#!/usr/bin/env bash
# Preview round trips while a 4K job renders on the same server (issue 17 §7): the scheduler's
# roles should keep a preview's coarse level fast although the job keeps both cores busy.
# Starts `framelock serve`, starts a long 4K job (3D LUT + saturation -> ProRes), waits until it
# renders, then runs bench/preview_latency.mjs against the server while it does.
# Usage: bench/preview_under_job.sh [--frames N] [--count N] [--workdir DIR] [--framelock BIN]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/server_lib.sh
source "$here/bench/server_lib.sh"
frames=96
count=30
work=/tmp/framelock-bench
fl="$here/build/bin/framelock"
while [[ $# -gt 0 ]]; do
  case $1 in
    --frames) frames=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --workdir) work=$2; shift 2 ;;
    --framelock) fl=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$work"
src="$work/src4k_${frames}f.mov"
make_4k_prores "$src" "$frames"
cp "$here/examples/looks/filmic_warm.cube" "$work/look.cube"
start_server "$fl" "$work" "$src"
state() { curl -sf -H "$auth" "$base/v1/jobs/$1" | grep -o '"state":"[a-z]*"\|"frames_done":[0-9]*' | tr '\n' ' '; }

echo "== preview round trip, 4K source, idle server"
node "$here/bench/preview_latency.mjs" "$base" "$token" "$media" "$count"
graph="{\"sources\":{\"clip\":{\"media\":\"$media\"}},\"nodes\":{\"g\":{\"op\":\"lut3d\",\"inputs\":[\"clip\"],\"params\":{\"file\":\"$work/look.cube\"}},\"e\":{\"op\":\"saturation\",\"inputs\":[\"g\"],\"params\":{\"saturation\":1.2}}}}"
job=$(curl -sf -H "$auth" -X POST "$base/v1/jobs" -d "{\"graph\":$graph,\"output\":{\"node\":\"e\",\"name\":\"bench.mov\"}}" | grep -o "\"id\":\"j_[0-9a-f]*\"" | cut -d\" -f4)
for _ in $(seq 100); do state "$job" | grep -q '"frames_done":[1-9]' && break; sleep 0.2; done
echo "== preview round trip, 4K source, while job $job renders ($(state "$job"))"
node "$here/bench/preview_latency.mjs" "$base" "$token" "$media" "$count"
echo "   job afterwards: $(state "$job")"
curl -sf -H "$auth" -X DELETE "$base/v1/jobs/$job" >/dev/null || true
