#!/usr/bin/env bash
# Builds the parsers, graph, colour and renderer tests with ASan+UBSan and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
# The clang tree the fuzzers use too (scripts/ci_clang_tree.sh): one sanitizer build, not two.
./scripts/ci_clang_tree.sh test_core test_colour test_graph test_render test_io_oiio \
  test_io_ffmpeg test_io_timeline test_inpaint test_ops test_server test_api test_ml test_security \
  test_provenance
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$(pwd)/scripts/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in test_core test_colour test_graph test_io_oiio test_io_ffmpeg test_io_timeline test_inpaint \
  test_api test_ml test_security test_provenance; do
  echo "== $t (asan+ubsan) at $(date +%T)"
  if [ "$t" = test_ml ]; then
    # The classifier's held-out set is 300 pictures through OpenCV (uninstrumented): release only.
    ./build-clang/tests/$t --gtest_brief=1 --gtest_filter='-ContentClassifier.*'
  elif [ "$t" = test_provenance ]; then
    # Four blind detections (a minute under ASan): the detector's memory safety is the fuzzer's
    # (watermark_detect_fuzz, in this tree); its results are the release run's.
    ./build-clang/tests/$t --gtest_brief=1 --gtest_filter='-WatermarkDetector.*'
  elif [ "$t" = test_io_oiio ]; then
    # Its error paths reach OIIO's per-thread error strings (suppressed in lsan.supp) through
    # libstdc++, which has no frame pointers: only the slow unwinder gets back to OIIO's frame.
    ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0 ./build-clang/tests/$t --gtest_brief=1
  else
    ./build-clang/tests/$t --gtest_brief=1
  fi
done
# The store's round trips each run several scene-lock analyses (minutes under ASan): its byte-level
# refusal test stays here, the rest run in the release tree.
echo "== test_render (asan+ubsan) at $(date +%T)"
# The 4K-shaped long chain of the window cache (fills under an extension) likewise, and the
# character mattes on every lead's labelled frames (a whole-clip analysis first); the character
# ops' consistency cases stay. Of the cases that render real frames through a temporal op, one
# each: a reformat under a fill (not a fill under an extension), a lock preview's blend (not
# its first fit), a clean plate's store (not a fill's). test_render was 6.5 of CI's 10.5
# sanitizer minutes before.
./build-clang/tests/test_render --gtest_brief=1 \
  --gtest_filter='-AnalysisStoreTest.ASecond*:AnalysisStoreTest.Damaged*:AnalysisStoreTest.Memory*:WindowCacheTest.ALongChain*:WindowCacheTest.AFillUnderAnExtend*:LockPreview.FirstPreview*:PlateStoreTest.AFills*:CharacterMask.*'

# The removal-quality cases render dozens of real frames (minutes under ASan): one of each op's
# code paths here, the rest in the release run (the consistency cases cover every op too).
echo "== test_ops (asan+ubsan, one case per op) at $(date +%T)"
./build-clang/tests/test_ops --gtest_brief=1 \
  --gtest_filter='FillQuality.MovingObjectOnALockedOffCamera*:CleanPlate.RefusesWhenNothingIsSeen:ExtendQuality.BadPaddingIsRefused'
# The server in-process (its durability tests run the release binary, so they stay out).
echo "== test_server (asan+ubsan) at $(date +%T)"
# (Not the ones that render whole clips or run a scene-lock or character analysis: minutes
# under ASan.)
./build-clang/tests/test_server --gtest_brief=1 \
  --gtest_filter='ServerFixture.*:ProjectsUpgrade.*:ProjectMatrix.AnotherProjectsIds*-ServerFixture.JobRenders*:ServerFixture.EventsReport*:ServerFixture.H264*:ServerFixture.Characters*:ServerFixture.AGraphNamesAMediasCast:ServerFixture.ChangesRefusalsAndOutputsAreAudited*'
echo "== sanitizer tests done at $(date +%T)"
