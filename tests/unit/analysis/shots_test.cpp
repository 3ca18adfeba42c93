// Shot detection on real footage (Megamind's three hard cuts, vtest's single static shot) and on
// transitions made from it with FFmpeg's own filters (dissolve, fade, flash).
#include <gtest/gtest.h>

#include "analysis/shots.h"
#include "test_support.h"

namespace fl::analysis {
namespace {

std::vector<Shot> shots_of(const std::string& path, const ShotOptions& options = {}) {
  auto source = io::open_source(path);
  EXPECT_TRUE(source.ok()) << source.status().message();
  if (!source.ok()) return {};
  auto shots = detect_shots(**source, options);
  EXPECT_TRUE(shots.ok()) << shots.status().message();
  return shots.ok() ? *shots : std::vector<Shot>{};
}

std::string describe(const std::vector<Shot>& shots) {
  std::string s;
  for (const auto& shot : shots)
    s += std::to_string(shot.first) + "-" + std::to_string(shot.last) + " " +
         transition_name(shot.in) + "; ";
  return s;
}

// A clip made from Megamind's first shot (frames 2-96) and second shot (100-152) by `filter`.
std::string make_clip(test::TempDir& dir, const std::string& name, const std::string& filter) {
  const std::string out = dir.file(name);
  EXPECT_EQ(test::ffmpeg("-i " + test::opencv_data("Megamind.avi") + " -filter_complex \"" +
                         filter + "\" -map \"[v]\" -an -c:v ffv1 " + out),
            0);
  return out;
}

TEST(Shots, FindsTheThreeHardCutsOfMegamind) {
  auto shots = shots_of(test::opencv_data("Megamind.avi"));
  ASSERT_EQ(shots.size(), 4u) << describe(shots);
  const int64_t cuts[] = {98, 154, 200};  // first frames of shots 1-3, checked by eye
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(double(shots[i + 1].first), double(cuts[i]), 1.0) << describe(shots);
    EXPECT_EQ(shots[i + 1].in, Transition::kCut);
    EXPECT_EQ(shots[i].last + 1, shots[i + 1].first);
  }
  EXPECT_EQ(shots.front().first, 0);
  EXPECT_EQ(shots.back().last, 269);
  EXPECT_EQ(shots[1].timecode_in, "00:00:04:02");  // 98 frames at 23.976 fps, no source timecode
}

TEST(Shots, NoFalseCutOnAStaticCameraWithPeopleWalking) {
  auto shots = shots_of(test::opencv_data("vtest.avi"));
  EXPECT_EQ(shots.size(), 1u) << describe(shots);
}

TEST(Shots, FindsADissolveAndPutsTheBoundaryInItsMiddle) {
  test::TempDir dir;
  // One second (24 frames) of cross-dissolve starting at frame 60.
  auto clip =
      make_clip(dir, "dissolve.mkv",
                "[0:v]split[x][y];"
                "[x]trim=start_frame=2:end_frame=97,setpts=PTS-STARTPTS,scale=320:240,fps=24[a];"
                "[y]trim=start_frame=100:end_frame=153,setpts=PTS-STARTPTS,scale=320:240,fps=24[b];"
                "[a][b]xfade=transition=fade:duration=1:offset=2.5,format=yuv420p[v]");
  auto shots = shots_of(clip);
  ASSERT_EQ(shots.size(), 2u) << describe(shots);
  EXPECT_EQ(shots[1].in, Transition::kDissolve);
  EXPECT_NEAR(double(shots[1].first), 72.0, 3.0);
  EXPECT_GE(shots[1].transition_first, 58);
  EXPECT_LE(shots[1].transition_last, 86);
  EXPECT_GE(shots[1].transition_last - shots[1].transition_first, 12);
  // Hard cuts only: the dissolve is not reported as a cut either.
  ShotOptions cuts_only;
  cuts_only.dissolves = false;
  EXPECT_EQ(shots_of(clip, cuts_only).size(), 1u);
}

TEST(Shots, FindsAFadeToBlack) {
  test::TempDir dir;
  auto clip = make_clip(dir, "fade.mkv",
                        "[0:v]trim=start_frame=2:end_frame=97,setpts=PTS-STARTPTS,"
                        "fade=t=out:st=2:d=1[v]");
  auto shots = shots_of(clip);
  ASSERT_EQ(shots.size(), 2u) << describe(shots);
  EXPECT_EQ(shots[1].in, Transition::kDissolve);
  EXPECT_NEAR(double(shots[1].first), 60.0, 3.0);
}

TEST(Shots, AFlashIsNotACut) {
  test::TempDir dir;
  // Two frames of a lightning flash in the middle of the first shot.
  auto clip = make_clip(dir, "flash.mkv",
                        "[0:v]trim=start_frame=2:end_frame=97,setpts=PTS-STARTPTS,"
                        "eq=brightness=0.6:enable='between(n,40,41)'[v]");
  auto shots = shots_of(clip);
  EXPECT_EQ(shots.size(), 1u) << describe(shots);
}

// The core over synthetic signatures: flat frames, one step.
std::vector<FrameSignature> flat_frames(int count, int step_at, float before, float after) {
  std::vector<FrameSignature> frames;
  for (int i = 0; i < count; ++i) {
    FrameSignature s;
    s.width = 4, s.height = 4;
    const float v = i < step_at ? before : after;
    s.rgb.assign(48, v);
    s.histogram.assign(216, 0.f);
    const int b = std::min(5, int(v * 6));
    s.histogram[size_t((b * 6 + b) * 6 + b)] = 1.f;
    frames.push_back(s);
  }
  return frames;
}

TEST(Shots, CoreStepsAndMinimumLength) {
  EXPECT_EQ(detect_shots(flat_frames(50, 1000, 0.2f, 0.2f), {}).size(), 1u);
  auto two = detect_shots(flat_frames(50, 30, 0.2f, 0.8f), {});
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].first, 30);
  EXPECT_EQ(two[1].in, Transition::kCut);
  // A change 3 frames from the start makes no 3-frame shot.
  EXPECT_EQ(detect_shots(flat_frames(50, 3, 0.2f, 0.8f), {}).size(), 1u);
  EXPECT_TRUE(detect_shots(std::vector<FrameSignature>{}, {}).empty());
}

}  // namespace
}  // namespace fl::analysis
