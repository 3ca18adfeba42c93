# Shared by the server benchmarks (source it): the 4K ProRes clip they render and a running
# `framelock serve` on loopback.

# make_4k_prores FILE FRAMES: FRAMES of Megamind.avi at 3840x2160, ProRes 422 HQ, once.
make_4k_prores() {
  local file=$1 frames=$2
  [[ -f $file ]] && return 0
  echo "making $file ($frames frames of 3840x2160 ProRes 422 HQ from Megamind.avi)..."
  ffmpeg -nostdin -v error -y -i /usr/share/doc/opencv-doc/examples/data/Megamind.avi \
    -frames:v "$frames" -vf scale=3840:2160:flags=lanczos -c:v prores_ks -profile:v 3 \
    -pix_fmt yuv422p10le "$file"
}

# start_server BIN WORKDIR CLIP: serves WORKDIR with CLIP registered; sets base, token, media,
# auth, and stops the server (and removes its data) on exit.
start_server() {
  local bin=$1 workdir=$2 clip=$3
  data=$(mktemp -d "$workdir/server-data.XXXXXX")
  local port=$(( 20000 + RANDOM % 20000 ))
  "$bin" serve --port "$port" --data "$data" --media-root "$workdir" --register "$clip" \
    >"$data/out.log" 2>"$data/err.log" &
  server_pid=$!
  trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null; rm -rf "$data"' EXIT
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  token=$(grep '^flk_' "$data/out.log" | tail -1)
  media=$(grep -o 'm_[0-9a-f]*' "$data/err.log" | head -1)
  auth="Authorization: Bearer $token"
  base="http://127.0.0.1:$port"
}
