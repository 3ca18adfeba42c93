// `fill` and `mask` from the command line: a removal end to end on real footage, the mask as a
// still, a clip or a `mask` node, and every bad mask the issue lists.
#include <gmock/gmock.h>

#include "cli_fixture.h"

namespace fl::test {
namespace {

using ::testing::HasSubstr;

class FillCli : public Cli {
 protected:
  void SetUp() override {
    // 20 frames of vtest with a red box moving 9 px a frame; the box's first position is where
    // overlay draws frame 0.
    ASSERT_EQ(test::ffmpeg("-i " + test::opencv_data("vtest.avi") +
                           " -f lavfi -i color=red:s=40x40 -filter_complex "
                           "\"[0:v]trim=start_frame=200:end_frame=220,setpts=PTS-STARTPTS[b];"
                           "[b][1:v]overlay=x=120+9*n:y=30:shortest=1\" -an -c:v ffv1 " +
                           dir_.file("dirty.mkv")),
              0);
    ASSERT_EQ(test::ffmpeg("-i " + test::opencv_data("vtest.avi") +
                           " -vf trim=start_frame=200:end_frame=220,setpts=PTS-STARTPTS -an "
                           "-c:v ffv1 " +
                           dir_.file("clean_src.mkv")),
              0);
    // The untouched frames through the same decode and encode as the fill's output (FFV1 RGB),
    // so that only the fill differs.
    ASSERT_EQ(run("apply clean_src.mkv clean.mkv exposure stops=0 --float-path").code, 0);
    write("fill.json", R"({"sources": {"in": {"path": "dirty.mkv"}},
 "nodes": {"m": {"op": "mask", "inputs": ["in"],
                 "params": {"shape": "0: rect 129 30 40 40; 100: rect 1029 30 40 40", "dilate": 3}},
           "f": {"op": "fill", "inputs": {"in": "in", "mask": "m"}}},
 "outputs": [{"node": "f", "path": "removed.mkv"}]})");
  }
  // PSNR of frame `n` of two clips over a region, by FFmpeg's own psnr filter.
  double psnr(const std::string& a, const std::string& b, int n, const std::string& crop) {
    return psnr(a, n, b, n, crop);
  }
  // PSNR of frame `na` of `a` against frame `nb` of `b`.
  double psnr(const std::string& a, int na, const std::string& b, int nb, const std::string& crop) {
    const std::string log = dir_.file("psnr.txt");
    test::ffmpeg("-i " + dir_.file(a) + " -i " + dir_.file(b) +
                 " -filter_complex \"[0:v]select=eq(n\\," + std::to_string(na) + ")," + crop +
                 "[x];[1:v]select=eq(n\\," + std::to_string(nb) + ")," + crop +
                 "[y];[x][y]psnr=stats_file=" + log + "\" -frames:v 1 -f null -");
    const std::string s = slurp(log);
    std::filesystem::remove(log);
    const size_t at = s.find("psnr_avg:");
    return at == std::string::npos ? -1 : std::stod(s.substr(at + 9));
  }
};

TEST_F(FillCli, RemovesAMovingObjectFromRealFootage) {
  auto o = run("render fill.json");
  ASSERT_EQ(o.code, 0) << o.err;
  // Frame 10: the box is at x = 129 + 90 (8-bit, in the region the box covered).
  const std::string box = "crop=48:48:215:26";
  const double removed = psnr("removed.mkv", "clean.mkv", 10, box);
  const double before = psnr("dirty.mkv", "clean.mkv", 10, box);
  std::printf("fill through the CLI, frame 10, box region: %.2f dB (with the box %.2f dB)\n",
              removed, before);
  EXPECT_GT(removed, 38.0);
  EXPECT_LT(before, 15.0);
}

TEST_F(FillCli, TheSameInputGivesTheSameBytes) {
  ASSERT_EQ(run("render fill.json").code, 0);
  std::filesystem::rename(dir_.file("removed.mkv"), dir_.file("first.mkv"));
  ASSERT_EQ(run("render fill.json").code, 0);
  EXPECT_EQ(test::ffmpeg("-i " + dir_.file("first.mkv") + " -f framemd5 " + dir_.file("a.md5")), 0);
  EXPECT_EQ(test::ffmpeg("-i " + dir_.file("removed.mkv") + " -f framemd5 " + dir_.file("b.md5")),
            0);
  EXPECT_EQ(slurp(dir_.file("a.md5")), slurp(dir_.file("b.md5")));
  EXPECT_FALSE(slurp(dir_.file("a.md5")).empty());
}

// A blemish fixed in frame, as a still mask file for every frame, is behind no neighbour: by
// default the fill makes the holes' plate once for the shot and holds it (frame to frame, the
// hole changes as little as the footage does); `hold=false` synthesises it per frame, which
// flickers.
TEST_F(FillCli, AFixedBlemishHoldsStillFromFrameToFrame) {
  ASSERT_EQ(test::ffmpeg("-f lavfi -i color=black:s=768x576 -vf "
                         "\"drawbox=x=300:y=300:w=30:h=30:color=white:t=fill\" -frames:v 1 " +
                         dir_.file("blemish.png")),
            0);
  auto o = run("apply dirty.mkv held.mkv fill mask=blemish.png");
  ASSERT_EQ(o.code, 0) << o.err;
  o = run("apply dirty.mkv per_frame.mkv fill mask=blemish.png hold=false");
  ASSERT_EQ(o.code, 0) << o.err;
  const std::string box = "crop=30:30:300:300";
  double held = 0, per_frame = 0, footage = 0;
  for (int n = 4; n < 8; ++n) {
    held += psnr("held.mkv", n, "held.mkv", n + 1, box) / 4;
    per_frame += psnr("per_frame.mkv", n, "per_frame.mkv", n + 1, box) / 4;
    footage += psnr("clean.mkv", n, "clean.mkv", n + 1, box) / 4;
  }
  std::printf(
      "fixed blemish, frame-to-frame PSNR in the hole: held %.2f dB, per frame %.2f dB, "
      "the footage %.2f dB\n",
      held, per_frame, footage);
  EXPECT_GE(held, footage - 1.0);
  EXPECT_GE(held, per_frame + 6.0);
}

TEST_F(FillCli, AMaskOfAnotherSizeIsResampledWithAWarning) {
  ASSERT_EQ(test::ffmpeg("-f lavfi -i color=black:s=384x288 -vf "
                         "\"drawbox=x=150:y=150:w=15:h=15:color=white:t=fill\" -frames:v 1 " +
                         dir_.file("half.png")),
            0);
  auto o = run("apply dirty.mkv out.mkv fill mask=half.png --frames 0-2");
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_THAT(o.err, HasSubstr("warning: node op: the mask is 384x288, the clip 768x576: the "
                               "mask is resampled to the clip's size"));
}

TEST_F(FillCli, AnEmptyMaskPassesTheFrameThrough) {
  ASSERT_EQ(test::ffmpeg("-f lavfi -i color=black:s=768x576 -frames:v 1 " + dir_.file("none.png")),
            0);
  ASSERT_EQ(run("apply dirty.mkv filled.mkv fill mask=none.png").code, 0);
  ASSERT_EQ(run("apply dirty.mkv plain.mkv exposure stops=0 --float-path").code, 0);
  EXPECT_GT(psnr("filled.mkv", "plain.mkv", 5, "null"), 90.0);
}

TEST_F(FillCli, BadMasksFailCleanly) {
  auto o = run("apply dirty.mkv out.mkv fill mask=missing.png");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("missing.png"));
  std::ofstream(dir_.file("junk.png")) << "not a png";
  o = run("apply dirty.mkv out.mkv fill mask=junk.png");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("junk.png"));
  // Another aspect ratio cannot be fitted.
  ASSERT_EQ(
      test::ffmpeg("-f lavfi -i color=white:s=640x640 -frames:v 1 " + dir_.file("square.png")), 0);
  o = run("apply dirty.mkv out.mkv fill mask=square.png");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("aspect ratio"));
  // Nothing left to fill from.
  ASSERT_EQ(test::ffmpeg("-f lavfi -i color=white:s=768x576 -frames:v 1 " + dir_.file("all.png")),
            0);
  o = run("apply dirty.mkv out.mkv fill mask=all.png");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("covers 100% of the frame"));
  // A mask clip shorter than the clip.
  ASSERT_EQ(test::ffmpeg("-f lavfi -i color=black:s=768x576:r=10 -frames:v 5 -c:v ffv1 " +
                         dir_.file("short.mkv")),
            0);
  o = run("apply dirty.mkv out.mkv fill mask=short.mkv");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("the mask clip has 5 frames, the clip 20"));
  // A shape that does not parse names the key and the field.
  write("bad.json", R"({"sources": {"in": {"path": "dirty.mkv"}},
 "nodes": {"m": {"op": "mask", "inputs": ["in"], "params": {"shape": "0: rect 1 2 3; 9: rect 1 2 3 4"}},
           "f": {"op": "fill", "inputs": {"in": "in", "mask": "m"}}},
 "outputs": [{"node": "f", "path": "out.mkv"}]})");
  o = run("render bad.json");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("key 1: rect needs 4 numbers, got 3"));
  expect_only({"dirty.mkv", "clean_src.mkv", "clean.mkv", "fill.json", "junk.png", "square.png",
               "all.png", "short.mkv", "bad.json"});
}

TEST_F(FillCli, CleanPlateAsAStillAndAsAClip) {
  // The box crosses every pixel of its path in at most 5 of the 20 frames: the plate has none.
  auto o = run("apply dirty.mkv plate.png clean_plate still=true frame=10");
  ASSERT_EQ(o.code, 0) << o.err;
  auto probe = run("probe plate.png --json");
  EXPECT_THAT(probe.out, HasSubstr("\"width\": 768"));
  // The still against frame 10 of the clean clip, where the box was in frame 10.
  const std::string log = dir_.file("psnr.txt");
  test::ffmpeg("-i " + dir_.file("plate.png") + " -i " + dir_.file("clean.mkv") +
               " -filter_complex \"[0:v]format=rgb24,crop=48:48:215:26[x];[1:v]select=eq(n\\,10),"
               "format=rgb24,crop=48:48:215:26[y];[x][y]psnr=stats_file=" +
               log + "\" -frames:v 1 -f null -");
  const std::string stats = slurp(log);
  std::filesystem::remove(log);
  ASSERT_NE(stats.find("psnr_avg:"), std::string::npos) << stats;
  const double still = std::stod(stats.substr(stats.find("psnr_avg:") + 9));
  ASSERT_EQ(run("apply dirty.mkv plate.mkv clean_plate").code, 0);
  const double clip = psnr("plate.mkv", "clean.mkv", 10, "crop=48:48:215:26");
  std::printf("clean_plate through the CLI, box region of frame 10: still %.2f dB, clip %.2f dB\n",
              still, clip);
  EXPECT_GT(still, 32.0);
  EXPECT_GT(clip, 32.0);
}

TEST_F(FillCli, CleanPlateBadInputFailsCleanly) {
  auto o = run("apply dirty.mkv plate.png clean_plate still=true frame=99");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("reference frame 99 is past the clip's end (it has 20 frames)"));
  ASSERT_EQ(
      test::ffmpeg("-f lavfi -i color=white:s=640x640 -frames:v 1 " + dir_.file("square.png")), 0);
  o = run("apply dirty.mkv plate.png clean_plate mask=square.png");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("aspect ratio"));
  // A mask over everything leaves nothing to make a plate of.
  ASSERT_EQ(test::ffmpeg("-f lavfi -i color=white:s=768x576 -frames:v 1 " + dir_.file("all.png")),
            0);
  o = run("apply dirty.mkv plate.png clean_plate still=true mask=all.png");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("no frame shows any of the background"));
  expect_only({"dirty.mkv", "clean_src.mkv", "clean.mkv", "fill.json", "square.png", "all.png"});
}

TEST_F(FillCli, FillTakesWhatNoFrameSawFromACleanPlate) {
  // A blemish that never moves on a locked-off shot: the plate (the blemish masked) has it
  // synthesised once, and fill takes it from there in every frame.
  write("plate.json", R"({"sources": {"in": {"path": "dirty.mkv"}},
 "nodes": {"m": {"op": "mask", "inputs": ["in"], "params": {"shape": "rect 300 300 30 30"}},
           "p": {"op": "clean_plate", "inputs": {"in": "in", "mask": "m"}},
           "f": {"op": "fill", "inputs": {"in": "in", "mask": "m", "plate": "p"}}},
 "outputs": [{"node": "f", "path": "held.mkv", "frames": [0, 3]}]})");
  auto o = run("render plate.json");
  ASSERT_EQ(o.code, 0) << o.err;
  // The filled square is the same from frame to frame (vtest is clean enough for 40 dB).
  const std::string log = dir_.file("p.txt");
  test::ffmpeg("-i " + dir_.file("held.mkv") +
               " -filter_complex \"[0:v]crop=30:30:300:300,split[a][b];[b]trim=start_frame=1,"
               "setpts=PTS-STARTPTS[c];[a][c]psnr=stats_file=" +
               log + "\" -f null -");
  const std::string stats = slurp(log);
  ASSERT_NE(stats.find("psnr_avg:"), std::string::npos) << stats;
  const double steady = std::stod(stats.substr(stats.find("psnr_avg:") + 9));
  std::printf("fill with a clean plate, frame-to-frame PSNR in the never-seen square: %.2f dB\n",
              steady);
  EXPECT_GT(steady, 40.0);
}

TEST_F(FillCli, ExtendWidensTheFrame) {
  auto o = run("apply dirty.mkv wide.mkv extend aspect=1.7778 --frames 0-1");
  ASSERT_EQ(o.code, 0) << o.err;
  auto probe = run("probe wide.mkv --json");
  EXPECT_THAT(probe.out, HasSubstr("\"width\": 1024"));
  EXPECT_THAT(probe.out, HasSubstr("\"height\": 576"));
  o = run("apply dirty.mkv tall.mkv extend top=20 bottom=12 --frames 0-0");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_THAT(run("probe tall.mkv --json").out, HasSubstr("\"height\": 608"));
}

TEST_F(FillCli, ExtendBadParametersFailCleanly) {
  auto o = run("apply dirty.mkv wide.mkv extend aspect=1.7778 left=10");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("give either `aspect` or pixel paddings, not both"));
  o = run("apply dirty.mkv wide.mkv extend");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("nothing to extend"));
  o = run("apply dirty.mkv wide.mkv extend left=4000");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("at most 4 times each side"));
  o = run("apply dirty.mkv wide.mkv extend left=-3");
  EXPECT_NE(o.code, 0);
  expect_only({"dirty.mkv", "clean_src.mkv", "clean.mkv", "fill.json"});
}

}  // namespace
}  // namespace fl::test
