// scene_lock and `look fit` through the command line: the lock recovers a known grade, its
// exports reproduce its pixels, previews agree with the final render, and bad references fail
// cleanly with nothing written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"
#include "colour/delta_e.h"
#include "io/frame_source.h"
#include "test_support.h"

namespace fl {
namespace {

using test::Cli;
using ::testing::HasSubstr;

constexpr const char* kGrade =
    "colorchannelmixer=rr=0.97:rg=0.03:gg=0.93:bb=0.8:br=0.04,curves=all='0/0.05 0.5/0.55 1/0.97'";

class SceneLockCli : public Cli {
 protected:
  // Megamind frames 20-44 (inside its first shot) as 16-bit RGB, and the same graded.
  void SetUp() override {
    ASSERT_EQ(test::ffmpeg("-i " + mega_ +
                           " -vf \"trim=start_frame=20:end_frame=45,setpts=PTS-STARTPTS,format="
                           "gbrp16le\" -an -c:v rawvideo " +
                           dir_.file("orig.nut")),
              0);
    ASSERT_EQ(test::ffmpeg("-i " + dir_.file("orig.nut") + " -vf \"" + kGrade +
                           ",format=gbrp16le\" -an -c:v rawvideo " + dir_.file("graded.nut")),
              0);
    ASSERT_EQ(test::ffmpeg("-i " + dir_.file("orig.nut") +
                           " -vf \"select=eq(n\\,12)\" -frames:v 1 -pix_fmt rgb48be " +
                           dir_.file("ref.png")),
              0);
  }
  Image frame(const std::string& name, int64_t n) {
    auto s = io::open_source(dir_.file(name));
    EXPECT_TRUE(s.ok()) << s.status().message();
    auto f = (*s)->read_frame(n);
    EXPECT_TRUE(f.ok());
    return f.ok() ? std::move(*f) : Image();
  }
};

TEST_F(SceneLockCli, LocksAGradedShotBackToAStillAndExportsTheGrade) {
  std::filesystem::create_directory(dir_.file("x"));
  auto o =
      run("apply graded.nut locked.nut scene_lock reference=ref.png shots=none "
          "--codec rawvideo --pix-fmt gbrp16le --export x --report report.png");
  ASSERT_EQ(o.code, 0) << o.err;
  for (int64_t f : {0, 12, 24}) {
    const double de = colour::delta_e2000(frame("locked.nut", f), frame("orig.nut", f), 2).mean;
    EXPECT_LT(de, 0.5) << "frame " << f;
  }
  for (const char* name : {"x/op_shot01.cube", "x/op_shot01.cc", "x/op.ccc", "x/op.edl",
                           "x/op_report.json", "report.png", "report.json"})
    EXPECT_TRUE(std::filesystem::exists(dir_.file(name))) << name;
  auto report = nlohmann::json::parse(slurp(dir_.file("x/op_report.json")));
  ASSERT_EQ(report["shots"].size(), 1u);
  EXPECT_EQ(report["shots"][0]["match"], "same_content");
  EXPECT_LT(report["shots"][0]["delta_e_after"].get<double>(), 0.5);
  EXPECT_GT(report["shots"][0]["delta_e_before"].get<double>(), 3.0);
  EXPECT_THAT(slurp(dir_.file("x/op.edl")), HasSubstr("*ASC_SOP ("));

  // The exported .cube, applied by lut3d, gives the lock's own pixels; the CDL is close.
  o =
      run("apply graded.nut via_cube.nut lut3d file=x/op_shot01.cube --codec rawvideo --pix-fmt "
          "gbrp16le");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_GT(test::psnr(frame("via_cube.nut", 7), frame("locked.nut", 7)), 50.0);
  o =
      run("apply graded.nut via_cdl.nut cdl file=x/op.ccc space=rec709 --codec rawvideo --pix-fmt "
          "gbrp16le");
  ASSERT_EQ(o.code, 0) << o.err;
  const double cdl_de =
      colour::delta_e2000(frame("via_cdl.nut", 7), frame("locked.nut", 7), 2).mean;
  EXPECT_LT(cdl_de, 1.5 * report["shots"][0]["cdl_vs_lut_delta_e"].get<double>() + 0.5);
}

TEST_F(SceneLockCli, PreviewAgreesWithTheFinalRender) {
  auto o =
      run("apply graded.nut full.nut scene_lock reference=frame:12 shots=none --frames 5-5 --codec "
          "rawvideo "
          "--pix-fmt gbrp16le");
  ASSERT_EQ(o.code, 0) << o.err;
  o =
      run("apply graded.nut half.nut scene_lock reference=frame:12 shots=none --frames 5-5 "
          "--preview-scale "
          "0.5 --codec rawvideo --pix-fmt gbrp16le");
  ASSERT_EQ(o.code, 0) << o.err;
  // The grade is the same at every scale: the half-size render equals the full one, halved.
  Image full = frame("full.nut", 0), half = frame("half.nut", 0);
  Image halved(half.width(), half.height());
  for (int y = 0; y < half.height(); ++y)
    for (int x = 0; x < half.width(); ++x)
      for (int c = 0; c < 4; ++c) {
        float acc = 0;
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 2; ++dx)
            acc += full.at(std::min(2 * x + dx, full.width() - 1),
                           std::min(2 * y + dy, full.height() - 1))[c];
        halved.at(x, y)[c] = acc / 4;
      }
  EXPECT_GT(test::psnr(half, halved), 40.0);
}

TEST_F(SceneLockCli, BadReferencesFailCleanly) {
  auto o = run("apply graded.nut out.nut scene_lock reference=missing.png");
  EXPECT_EQ(o.code, 3);
  EXPECT_THAT(o.err, HasSubstr("missing.png"));
  o = run("apply graded.nut out.nut scene_lock reference=frame:x");
  EXPECT_EQ(o.code, 2);
  EXPECT_THAT(o.err, HasSubstr("frame:N"));
  o = run("apply graded.nut out.nut scene_lock reference=frame:500");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("reference frame 500 is out of range"));
  std::ofstream(dir_.file("junk.png")) << "not a png";
  o = run("apply graded.nut out.nut scene_lock reference=junk.png");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("junk.png"));
  o = run("apply graded.nut out.nut scene_lock reference=shot:x");
  EXPECT_EQ(o.code, 2);
  EXPECT_THAT(o.err, HasSubstr("shot:N"));
  o = run("apply graded.nut out.nut scene_lock reference=shot:3");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("reference shot 3 is out of range: the input has 1 shot"));
  o = run("apply graded.nut out.nut exposure --report r.png");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err,
              HasSubstr("no operator in the graph has a report (those that do: scene_lock)"));
  expect_only({"orig.nut", "graded.nut", "ref.png", "junk.png", "out.nut"});
}

// --report goes to the ops that have one, whatever else the graph holds (this graph used to
// fail with "node 'fill' is not a scene_lock node").
TEST_F(SceneLockCli, ReportOfAGraphWhereFillComesFirst) {
  std::ofstream(dir_.file("g.json")) << R"({"sources": {"in": {"path": "graded.nut"}},
 "nodes": {"m": {"op": "mask", "inputs": ["in"], "params": {"shape": "rect 300 200 24 24"}},
           "f": {"op": "fill", "inputs": {"in": "in", "mask": "m"}},
           "lock": {"op": "scene_lock", "inputs": ["f"],
                    "params": {"reference": "ref.png", "shots": "none"}}},
 "outputs": [{"node": "lock", "path": "out.nut", "frames": [0, 3]}]})";
  auto o = run("render g.json --report sheet.png");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(std::filesystem::file_size(dir_.file("sheet.png")) > 1000);
  auto report = nlohmann::json::parse(slurp(dir_.file("sheet.json")));
  ASSERT_TRUE(report.contains("shots")) << report.dump();
  EXPECT_EQ(report["shots"].size(), 1u);
}

TEST_F(SceneLockCli, ReferenceOfAnotherSizeIsResampled) {
  ASSERT_EQ(
      test::ffmpeg("-i " + dir_.file("ref.png") + " -vf scale=360:264 " + dir_.file("small.png")),
      0);
  auto o = run("look fit graded.nut small.png --src-frame 12 --out look.cube --json");
  ASSERT_EQ(o.code, 0) << o.err;
  auto j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["match"], "same_content");
  EXPECT_LT(j["delta_e_after"].get<double>(), 1.0);
  EXPECT_TRUE(std::filesystem::exists(dir_.file("look.cube")));
  o = run("look fit graded.nut nope.png --out look2.cube");
  EXPECT_EQ(o.code, 3);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("look2.cube")));
}

TEST_F(SceneLockCli, AnEmptyShotFailsCleanly) {
  // Timelines whose only event shows nothing (a zero-length edit): no shot to find or lock.
  std::ofstream(dir_.file("empty.edl"))
      << "TITLE: empty\nFCM: NON-DROP FRAME\n\n"
         "001  AX       V     C        00:00:00:00 00:00:00:00 01:00:00:00 01:00:00:00\n"
         "* FROM CLIP NAME: graded.nut\n";
  std::ofstream(dir_.file("empty.otio"))
      << R"({"OTIO_SCHEMA":"Timeline.1","name":"z","tracks":{"OTIO_SCHEMA":"Stack.1","children":[)"
      << R"({"OTIO_SCHEMA":"Track.1","kind":"Video","children":[{"OTIO_SCHEMA":"Clip.2","name":"a",)"
      << R"("source_range":{"OTIO_SCHEMA":"TimeRange.1","start_time":{"OTIO_SCHEMA":)"
      << R"("RationalTime.1","value":0,"rate":24},"duration":{"OTIO_SCHEMA":"RationalTime.1",)"
      << R"("value":0,"rate":24}},"media_references":{"DEFAULT_MEDIA":{"OTIO_SCHEMA":)"
      << R"("ExternalReference.1","target_url":"graded.nut"}},"active_media_reference_key":)"
      << R"("DEFAULT_MEDIA"}]}]}})";
  for (const std::string timeline : {"empty.edl", "empty.otio"}) {
    auto o = run("shots " + timeline);
    EXPECT_EQ(o.code, 2) << timeline;
    EXPECT_THAT(o.err, HasSubstr("timeline '" + timeline + "' has no video clips"));
    o = run("apply " + timeline + " out.nut scene_lock reference=frame:0");
    EXPECT_EQ(o.code, 2) << timeline;
    EXPECT_THAT(o.err, HasSubstr("has no video clips"));
  }
  expect_only({"orig.nut", "graded.nut", "ref.png", "empty.edl", "empty.otio"});
}

TEST_F(SceneLockCli, AShotOfTheInputIsAReference) {
  // The clip is one shot: as its own reference it keeps its look (no grade at all).
  auto o =
      run("apply graded.nut same.nut scene_lock reference=shot:0 --codec rawvideo "
          "--pix-fmt gbrp16le");
  ASSERT_EQ(o.code, 0) << o.err;
  const Image in = frame("graded.nut", 7), out = frame("same.nut", 7);
  EXPECT_GT(test::psnr(in, out), 60.0) << "the reference shot itself was graded";
}

}  // namespace
}  // namespace fl
