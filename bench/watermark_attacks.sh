#!/bin/bash
# The watermark's robustness matrix (issue 20): real clips marked through `framelock watermark
# embed`, attacked with FFmpeg's own encoders and filters, and read back blind from random 2 s
# excerpts. Prints one line per clip x attack: exact payloads found / excerpts tried, blind and
# with informed detection against a ledger of 256 outputs (the record and 255 others), and the
# pilot's z-scores. Also prints the marked clips' luma PSNR and SSIM against unmarked renders.
#
#   [PEER_ONLY=1 | OURS_ONLY=1] bench/watermark_attacks.sh [BUILD_DIR] [EXCERPTS_PER_ATTACK] [WORK_DIR]
#
# Clips: Megamind.avi (720x528, 23.976 fps) and vtest.avi (768x576, 10 fps) from opencv-doc,
# and Megamind upscaled to 1472x1080 (an upscale: softer than a real HD master, so optimistic).
# Then the same matrix for the classical peer (bench_watermark_baseline: DWT-DCT QIM, 64 bits,
# no sync), read from the same excerpts: exact payloads and mean bit accuracy.
set -euo pipefail
BUILD=${1:-build}
EXCERPTS=${2:-5}
WORK=${3:-$(mktemp -d /tmp/wm-bench.XXXXXX)}
FL=$(realpath "$BUILD")/bin/framelock
BASE=$(realpath "$BUILD")/bin/bench_watermark_baseline
DATA=/usr/share/doc/opencv-doc/examples/data
mkdir -p "$WORK"
cd "$WORK"
[ -f studio.key ] || "$FL" watermark keygen --out studio.key >/dev/null 2>&1

ff() { ffmpeg -nostdin -v error -y "$@"; }
ff -i $DATA/Megamind.avi -c:v ffv1 mega.mkv
ff -i $DATA/vtest.avi -frames:v 200 -c:v ffv1 vtest.mkv
ff -i $DATA/Megamind.avi -vf scale=1472:1080:flags=lanczos -c:v ffv1 mega1080.mkv

CROP="crop=trunc(iw*0.44)*2:trunc(ih*0.44)*2:trunc(iw*0.09):trunc(ih*0.02)"
SCALE="scale=trunc(iw*0.225)*2:trunc(ih*0.225)*2"
declare -A ATTACK=(
  [x264_crf30]="-c:v libx264 -preset medium -crf 30 -pix_fmt yuv420p"
  [x265_crf30]="-c:v libx265 -preset medium -crf 30 -x265-params log-level=error"
  [scale045_bicubic]="-vf $SCALE:flags=bicubic -c:v libx264 -crf 30"
  [scale045_lanczos]="-vf $SCALE:flags=lanczos -c:v libx264 -crf 30"
  [crop12_offcentre]="-vf $CROP -c:v libx264 -crf 30"
  [eq_dim]="-vf eq=contrast=0.7:brightness=0.1:saturation=1.5 -c:v libx264 -crf 30"
  [eq_punch]="-vf eq=contrast=1.3:brightness=-0.08:saturation=0.5:gamma=1.2 -c:v libx264 -crf 30"
  [fps25]="-vf fps=25 -c:v libx264 -crf 30"
  [fps30_blend]="-vf framerate=fps=30 -c:v libx264 -crf 30"
  [rotate1]="-vf rotate=PI/180:fillcolor=black -c:v libx264 -crf 30"
  [combo]="-vf $CROP,scale=trunc(iw*0.225)*2:-2,eq=contrast=0.8:brightness=0.05,fps=25 -c:v libx265 -crf 30 -x265-params log-level=error"
)
ORDER="x264_crf30 x265_crf30 scale045_bicubic scale045_lanczos crop12_offcentre eq_dim eq_punch fps25 fps30_blend rotate1 combo"
# Detection flags per attack (a turned picture needs the search over turns).
declare -A DETECT=([rotate1]="--rotation 2")

RANDOM=20
# PEER_ONLY=1: the classical peer's matrix alone.
for clip in $([ "${PEER_ONLY:-0}" = 1 ] || echo mega vtest mega1080); do
  record=$(printf '%x' $((RANDOM * 32768 + RANDOM)))
  "$FL" watermark embed $clip.mkv ${clip}_wm.mkv --payload "$record" --key studio.key \
    --codec ffv1 >/dev/null 2>&1
  "$FL" apply $clip.mkv ${clip}_ref.mkv exposure stops=0 --codec ffv1 >/dev/null 2>&1
  q=$(ffmpeg -nostdin -v error -i ${clip}_wm.mkv -i ${clip}_ref.mkv -lavfi \
    "[0:v]format=yuv444p[a];[1:v]format=yuv444p[b];[a][b]psnr=stats_file=psnr.log;[0:v]format=yuv444p[c];[1:v]format=yuv444p[d];[c][d]ssim=stats_file=ssim.log" \
    -f null - 2>&1 || true)
  psnr=$(grep -o 'psnr_y:[0-9.]*' psnr.log | cut -d: -f2 | sort -n | awk 'NR==1{min=$1}{s+=$1}END{printf "min %.2f mean %.2f", min, s/NR}')
  ssim=$(grep -o 'Y:[0-9.]*' ssim.log | cut -d: -f2 | sort -n | awk 'NR==1{min=$1}{s+=$1}END{printf "min %.4f mean %.4f", min, s/NR}')
  echo "$clip: record $record; luma PSNR $psnr dB; SSIM Y $ssim"
  fps=$(ffprobe -v error -select_streams v -show_entries stream=r_frame_rate -of csv=p=0 ${clip}_wm.mkv)
  duration=$(ffprobe -v error -show_entries format=duration -of csv=p=0 ${clip}_wm.mkv)
  # The studio's ledger for informed detection: this record and 255 others, as long as the clip.
  epochs=$(awk -v d="$duration" 'BEGIN{printf "%d", int(d / 4) + 1}')
  ledger=(--record "$record:$epochs")
  for ((i = 0; i < 255; i++)); do ledger+=(--record "$(printf '%x' $((RANDOM * 32768 + RANDOM))):$epochs"); done
  for attack in $ORDER; do
    read -r -a args <<<"${ATTACK[$attack]}"
    ff -i ${clip}_wm.mkv "${args[@]}" a.mp4
    found=0
    informed=0
    zs=""
    for ((e = 0; e < EXCERPTS; e++)); do
      start=$(awk -v r=$RANDOM -v d="$duration" 'BEGIN{printf "%.2f", (r / 32768) * (d - 2.2)}')
      read -r -a flags <<<"${DETECT[$attack]:-}"
      j=$("$FL" watermark detect a.mp4 --key studio.key --start "$start" "${flags[@]}" "${ledger[@]}" --json 2>/dev/null || echo '{}')
      ok=$(echo "$j" | python3 -c "import json,sys; d=json.load(sys.stdin); print(1 if d.get('found') and d.get('record')==int('$record',16) else 0)")
      by_ledger=$(echo "$j" | python3 -c "import json,sys; print(1 if json.load(sys.stdin).get('informed') else 0)")
      z=$(echo "$j" | python3 -c "import json,sys; print(round(json.load(sys.stdin).get('pilot_z',0),1))")
      found=$((found + ok))
      informed=$((informed + ok * by_ledger))
      zs="$zs $z"
    done
    printf '  %-18s %d/%d exact blind, %d/%d with the ledger   pilot z:%s\n' "$attack" \
      "$((found - informed))" "$EXCERPTS" "$found" "$EXCERPTS" "$zs"
  done
done

# OURS_ONLY=1: stop before the peer's matrix.
[ "${OURS_ONLY:-0}" = 1 ] && exit 0
echo "classical peer: DWT-DCT QIM (bench_watermark_baseline)"
for clip in mega vtest mega1080; do
  payload=$(printf '%08x%08x' $((RANDOM * 32768 + RANDOM)) $((RANDOM * 32768 + RANDOM)))
  "$BASE" embed ${clip}.mkv ${clip}_base.mkv "$payload" >/dev/null
  q=$(ffmpeg -nostdin -v error -i ${clip}_base.mkv -i ${clip}.mkv -lavfi \
    "[0:v]setpts=PTS-STARTPTS,format=yuv444p[a];[1:v]setpts=PTS-STARTPTS,format=yuv444p[b];[a][b]psnr=stats_file=psnr_b.log" -f null - 2>&1 || true)
  psnr=$(grep -o 'psnr_y:[0-9.]*' psnr_b.log | cut -d: -f2 | sort -n | awk 'NR==1{min=$1}{s+=$1}END{printf "min %.2f mean %.2f", min, s/NR}')
  echo "$clip (peer): luma PSNR $psnr dB"
  duration=$(ffprobe -v error -show_entries format=duration -of csv=p=0 ${clip}_base.mkv)
  for attack in none $ORDER; do
    target=${clip}_base.mkv
    if [ "$attack" != none ]; then
      read -r -a args <<<"${ATTACK[$attack]}"
      ff -i ${clip}_base.mkv "${args[@]}" b.mp4
      target=b.mp4
    fi
    found=0
    acc=""
    for ((e = 0; e < EXCERPTS; e++)); do
      start=$(awk -v r=$RANDOM -v d="$duration" 'BEGIN{printf "%.2f", (r / 32768) * (d - 2.2)}')
      j=$("$BASE" detect "$target" "$payload" "$start" 2)
      ok=$(echo "$j" | python3 -c "import json,sys; print(1 if json.load(sys.stdin)['exact'] else 0)")
      a=$(echo "$j" | python3 -c "import json,sys; print(json.load(sys.stdin)['bit_accuracy'])")
      found=$((found + ok))
      acc="$acc $a"
    done
    mean=$(echo "$acc" | awk '{for(i=1;i<=NF;i++)s+=$i; printf "%.3f", s/NF}')
    printf '  %-18s %d/%d exact   bit accuracy mean %s:%s\n' "$attack" "$found" "$EXCERPTS" "$mean" "$acc"
  done
done
