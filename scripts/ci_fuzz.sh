#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a short while on its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
# 6 s each on CI (16 targets); longer runs: FL_FUZZ_SECONDS=600 scripts/ci_fuzz.sh
SECONDS_PER_TARGET="${FL_FUZZ_SECONDS:-6}"
./scripts/ci_clang_tree.sh cube_fuzz cdl_fuzz graph_fuzz edl_fuzz otio_fuzz request_fuzz shape_fuzz \
  http_fuzz api_fuzz cast_fuzz policy_fuzz jwt_fuzz watermark_fuzz watermark_detect_fuzz c2pa_fuzz \
  filter_fuzz
for target in cube cdl graph edl otio request shape http api cast policy jwt watermark watermark_detect c2pa \
  filter; do
  echo "== fuzz $target for ${SECONDS_PER_TARGET}s at $(date +%T)"
  work="build-clang/corpus-$target"
  mkdir -p "$work"
  ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(pwd)/scripts/lsan.supp ./build-clang/tests/${target}_fuzz -max_total_time="$SECONDS_PER_TARGET" \
    -max_len=65536 -print_final_stats=1 "$work" "tests/fuzz/corpus/$target" 2>&1 | tail -4
done
