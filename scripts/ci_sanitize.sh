#!/usr/bin/env bash
# Builds the parsers, graph, colour and renderer tests with ASan+UBSan and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
# Line tables only (-g1): sanitizer reports still name file and line, and the build is the
# longest step of CI on two cores.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
  -DFL_SANITIZE=ON -DFL_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$(nproc)" --target test_core test_colour test_graph test_render test_io_oiio test_io_ffmpeg test_io_timeline test_inpaint test_ops test_server
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$(pwd)/scripts/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in test_core test_colour test_graph test_render test_io_oiio test_io_ffmpeg test_io_timeline test_inpaint; do
  echo "== $t (asan+ubsan)"
  ./build-asan/tests/$t --gtest_brief=1
done
# The removal-quality cases render dozens of real frames (minutes under ASan): one of each op's
# code paths here, the rest in the release run (the consistency cases cover every op too).
echo "== test_ops (asan+ubsan, one case per op)"
./build-asan/tests/test_ops --gtest_brief=1 \
  --gtest_filter='FillQuality.MovingObjectOnALockedOffCamera*:CleanPlate.RefusesWhenNothingIsSeen:ExtendQuality.BadPaddingIsRefused'
# The server in-process (its durability tests run the release binary, so they stay out).
echo "== test_server (asan+ubsan)"
# (Not the ones that render whole clips or run a scene-lock analysis: minutes under ASan.)
./build-asan/tests/test_server --gtest_brief=1 \
  --gtest_filter='ServerFixture.*-ServerFixture.JobRenders*:ServerFixture.EventsReport*:ServerFixture.H264*'
