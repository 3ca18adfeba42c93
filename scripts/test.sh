#!/usr/bin/env bash
# Installs everything, builds, and runs every test (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build -DFL_WERROR=ON
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 600
