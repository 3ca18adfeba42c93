#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a short while on its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${FL_FUZZ_SECONDS:-10}"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DFL_FUZZ=ON -DFL_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target cube_fuzz cdl_fuzz graph_fuzz edl_fuzz otio_fuzz request_fuzz shape_fuzz
for target in cube cdl graph edl otio request shape; do
  echo "== fuzz $target for ${SECONDS_PER_TARGET}s"
  work="build-fuzz/corpus-$target"
  mkdir -p "$work"
  ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(pwd)/scripts/lsan.supp ./build-fuzz/tests/${target}_fuzz -max_total_time="$SECONDS_PER_TARGET" \
    -max_len=65536 -print_final_stats=1 "$work" "tests/fuzz/corpus/$target" 2>&1 | tail -4
done
