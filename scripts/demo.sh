#!/usr/bin/env bash
# The main job: installs everything, builds, then grades real footage (Megamind.avi from
# Debian's opencv-doc) and writes a before/after still.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build
mkdir -p out
./build/bin/framelock render examples/grade_megamind.json
echo
echo "graded clip:       $(pwd)/out/megamind_graded.mov"
echo "before/after still: $(pwd)/out/megamind_before_after.png"
