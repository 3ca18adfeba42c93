#!/usr/bin/env bash
# Installs everything, builds, and runs every test (ctest): the unit tier first, then the
# end-to-end tier (the live page in a real browser).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh build -DFL_WERROR=ON
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 600 -L unit
ctest --test-dir build --output-on-failure --timeout 600 -L e2e
# Every test belongs to a tier, so none is left out of both runs.
unlabelled=$(ctest --test-dir build -N -LE 'unit|e2e' | sed -n 's/^Total Tests: //p')
if [ "${unlabelled:-0}" != "0" ]; then
  echo "test.sh: $unlabelled test(s) have neither the unit nor the e2e label" >&2
  exit 1
fi
