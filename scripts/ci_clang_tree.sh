#!/usr/bin/env bash
# The one clang tree CI builds besides the release tree: AddressSanitizer + UBSan everywhere, with
# coverage instrumentation so that the same objects serve the sanitizer tests and the fuzzers.
# Usage: scripts/ci_clang_tree.sh TARGET...
set -euo pipefail
cd "$(dirname "$0")/.."
# -O1 with line tables only (-g1): reports still name file and line, and the build is the longest
# step of CI on two cores.
CC=clang CXX=clang++ cmake -S . -B build-clang -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DFL_SANITIZE=ON -DFL_FUZZ=ON \
  -DFL_BUILD_BENCH=OFF >/dev/null
cmake --build build-clang -j"$(nproc)" --target "$@"
