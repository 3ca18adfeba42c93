#!/usr/bin/env bash
# The main job: installs everything, builds, grades real footage once from the command line
# (Megamind.avi from Debian's opencv-doc: a graded ProRes clip and a before/after still), then
# starts the server on embedded defaults (SQLite, local disk, local threads) with the bundled
# clips registered, and prints the URL to open and a first admin token. Ctrl-C stops it; jobs
# left running resume on the next start.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build
mkdir -p out
./build/bin/framelock render examples/grade_megamind.json
echo
echo "graded clip:       $(pwd)/out/megamind_graded.mov"
echo "before/after still: $(pwd)/out/megamind_before_after.png"
echo
DATA=/usr/share/doc/opencv-doc/examples/data
PORT="${FRAMELOCK_PORT:-8470}"
exec ./build/bin/framelock serve --port "$PORT" --data "$(pwd)/framelock-data" \
  --media-root "$DATA" --media-root "$(pwd)/out" \
  --register "$DATA/Megamind.avi" --register "$DATA/vtest.avi" --register "$(pwd)/out/megamind_graded.mov"
