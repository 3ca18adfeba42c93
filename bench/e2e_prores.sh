#!/usr/bin/env bash
# End-to-end 4K ProRes benchmark, framelock vs ffmpeg, side by side in one run:
#   decode ProRes 422 HQ -> 3D LUT grade (tetrahedral) -> encode ProRes 422 HQ.
# Prints the wall times, the ratio, and the PSNR between the two outputs (they should agree).
#
# Usage: bench/e2e_prores.sh [--runs N] [--frames N] [--workdir DIR] [--framelock BIN]
# Rows: ffmpeg, framelock (16-bit integer path where the plan allows it), framelock --float-path
# (linear float throughout, as any plan with a non-per-pixel op renders).
# Env:   FRAMELOCK_BASELINE=/path/to/other/framelock adds a row (before/after comparisons).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
runs=3
frames=24
work=/tmp/framelock-bench
fl="$here/build/bin/framelock"
lut="$here/examples/looks/filmic_warm.cube"
footage=/usr/share/doc/opencv-doc/examples/data/Megamind.avi

while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --frames) frames=$2; shift 2 ;;
    --workdir) work=$2; shift 2 ;;
    --framelock) fl=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

[[ -x $fl ]] || { echo "framelock binary not found: $fl (run scripts/build.sh first)" >&2; exit 1; }
command -v ffmpeg >/dev/null || { echo "ffmpeg not found" >&2; exit 1; }
mkdir -p "$work"
src="$work/src4k_${frames}f.mov"
if [[ ! -f $src ]]; then
  echo "making $src ($frames frames of 3840x2160 ProRes 422 HQ from Megamind.avi)..."
  ffmpeg -nostdin -v error -y -i "$footage" -frames:v "$frames" -vf scale=3840:2160:flags=lanczos \
    -c:v prores_ks -profile:v 3 -pix_fmt yuv422p10le "$src"
fi

out_ff="$work/out_ffmpeg.mov"
out_fl="$work/out_framelock.mov"
out_base="$work/out_baseline.mov"
cmd_ff="ffmpeg -nostdin -v error -y -i $src -vf lut3d=file=$lut:interp=tetrahedral -c:v prores_ks -profile:v 3 -pix_fmt yuv422p10le $out_ff"
cmd_fl="$fl apply $src $out_fl lut3d file=$lut"
out_float="$work/out_framelock_float.mov"
names=(ffmpeg framelock framelock-float-path)
cmds=("$cmd_ff" "rm -f $out_fl; $cmd_fl" "rm -f $out_float; $fl apply $src $out_float lut3d file=$lut --float-path")
if [[ -n ${FRAMELOCK_BASELINE:-} ]]; then
  names+=(framelock-baseline)
  cmds+=("rm -f $out_base; $FRAMELOCK_BASELINE apply $src $out_base lut3d file=$lut")
fi

echo "machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "source:  $src ($frames frames)"
declare -A median
if command -v hyperfine >/dev/null; then
  json="$work/e2e_prores.json"
  args=()
  for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
  hyperfine --style basic --runs "$runs" --warmup 0 --export-json "$json" "${args[@]}" >&2
  while read -r name m; do median[$name]=$m; done < <(python3 -c '
import json,sys
for r in json.load(open(sys.argv[1]))["results"]: print(r["command"], r["median"])' "$json")
else
  for i in "${!names[@]}"; do
    ts=()
    for ((r = 0; r < runs; r++)); do
      t0=$(date +%s.%N); bash -c "${cmds[$i]}"; t1=$(date +%s.%N)
      ts+=("$(echo "$t1 - $t0" | bc -l)")
    done
    median[${names[$i]}]=$(printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  done
fi

psnr=$(ffmpeg -nostdin -hide_banner -i "$out_ff" -i "$out_fl" -lavfi psnr -f null - 2>&1 |
       sed -n 's/.*PSNR.* average:\([0-9.inf]*\).*/\1/p' | tail -1)

echo
printf '| %-20s | %12s | %10s |\n' "pipeline" "median wall" "vs ffmpeg"
printf '|%s|%s|%s|\n' "----------------------" "--------------" "------------"
for n in "${names[@]}"; do
  printf '| %-20s | %10.2f s | %9.2fx |\n' "$n" "${median[$n]}" \
    "$(echo "${median[$n]} / ${median[ffmpeg]}" | bc -l)"
done
echo
echo "PSNR ffmpeg vs framelock output (average, dB): $psnr"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
