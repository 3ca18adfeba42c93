// The command line on bad input: a one-line message naming the problem, a non-zero exit, and
// nothing half-written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"
#include "io/frame_source.h"
#include "test_support.h"

namespace fl {
namespace {

using test::Cli;
using ::testing::HasSubstr;

TEST_F(Cli, MissingInputFile) {
  auto o = run("apply nope.mov out.mov exposure stops=1");
  EXPECT_EQ(o.code, 3);
  EXPECT_THAT(o.err, HasSubstr("nope.mov"));
  expect_only({});
}

TEST_F(Cli, UnknownOperator) {
  auto o = run("apply " + mega_ + " out.mov blurr");
  EXPECT_EQ(o.code, 2);
  EXPECT_THAT(o.err, HasSubstr("unknown operator 'blurr'"));
  expect_only({});
}

TEST_F(Cli, BadParameter) {
  auto o = run("apply " + mega_ + " out.mov exposure stops=99");
  EXPECT_EQ(o.code, 2);
  EXPECT_THAT(o.err, HasSubstr("params.stops = 99 is out of range"));
  o = run("apply " + mega_ + " out.mov exposure stopz=1");
  EXPECT_THAT(o.err, HasSubstr("unknown parameter 'stopz'"));
  o = run("apply " + mega_ + " out.mov cdl slope=1,x,1");
  EXPECT_THAT(o.err, HasSubstr("params.slope"));
  expect_only({});
}

TEST_F(Cli, BadGraphJson) {
  write("g.json", "{\"nodes\": {\"a\": }");
  auto o = run("render g.json");
  EXPECT_EQ(o.code, 2);
  EXPECT_THAT(o.err, HasSubstr("g.json: invalid JSON at line 1"));
  write(
      "g2.json",
      R"({"sources":{"s":")" + mega_ +
          R"("},"nodes":{"n":{"op":"cdl","inputs":["s"],"params":{"slope":[1,1]}}},"outputs":[{"node":"n","path":"o.mov"}]})");
  o = run("render g2.json");
  EXPECT_THAT(o.err, HasSubstr("node 'n': params.slope must be three numbers"));
  expect_only({"g.json", "g2.json"});
}

TEST_F(Cli, MalformedCubeAndCdl) {
  write("bad.cube", "LUT_3D_SIZE 2\n0 0 0\n1 1\n");
  auto o = run("apply " + mega_ + " out.mov lut3d file=bad.cube");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("bad.cube"));
  write("bad.cdl",
        "<ColorDecisionList><ColorDecision><ColorCorrection><SOPNode><Slope>1 "
        "1</Slope></SOPNode></ColorCorrection></ColorDecision></ColorDecisionList>");
  o = run("apply " + mega_ + " out.mov cdl file=bad.cdl");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("bad.cdl"));
  expect_only({"bad.cube", "bad.cdl"});
}

TEST_F(Cli, DamagedMedia) {
  // Truncated mid-stream, and a header that is not media at all.
  ASSERT_EQ(test::run("head -c 300000 " + mega_ + " > " + dir_.file("cut.avi")), 0);
  auto o = run("apply cut.avi out.mkv exposure stops=1");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("cut.avi"));
  write("text.mp4", "this is not a movie\n");
  o = run("apply text.mp4 out.mkv exposure stops=1");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("text.mp4"));
  expect_only({"cut.avi", "text.mp4"});
}

TEST_F(Cli, FlippedBytesDoNotCrash) {
  ASSERT_EQ(test::run("cp " + mega_ + " " + dir_.file("flip.avi")), 0);
  {
    std::fstream f(dir_.file("flip.avi"), std::ios::in | std::ios::out | std::ios::binary);
    for (long off = 400000; off < 700000; off += 997) {
      f.seekp(off);
      f.put(char(0x5a));
    }
  }
  auto o = run("apply flip.avi null exposure stops=1 --frames 0-120");
  // Either decoded with concealment or a clean error naming the file; never a crash.
  EXPECT_TRUE(o.code == 0 || o.err.find("flip.avi") != std::string::npos) << o.err;
  EXPECT_LT(o.code, 128) << "crashed: " << o.err;
}

TEST_F(Cli, UnwritableOutput) {
  if (::geteuid() == 0) {
    // Root writes anywhere; a missing directory still must fail cleanly.
    auto o = run("apply " + mega_ + " no/such/dir/out.mov exposure stops=1 --frames 0-1");
    EXPECT_NE(o.code, 0);
    EXPECT_THAT(o.err, HasSubstr("no/such/dir"));
    return;
  }
  std::filesystem::create_directory(dir_.file("ro"));
  std::filesystem::permissions(
      dir_.file("ro"), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  auto o = run("apply " + mega_ + " ro/out.mov exposure stops=1 --frames 0-1");
  EXPECT_EQ(o.code, 4);
}

TEST_F(Cli, ProbeAndOpsJson) {
  auto o = run("probe --json " + mega_);
  ASSERT_EQ(o.code, 0) << o.err;
  auto j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["width"], 720);
  EXPECT_EQ(j["has_audio"], true);
  o = run("ops --json");
  ASSERT_EQ(o.code, 0);
  auto ops = nlohmann::json::parse(o.out);
  EXPECT_GE(ops.size(), 9u);
}

TEST_F(Cli, ApplyWritesOutputWithJsonProgress) {
  auto o = run("apply " + mega_ + " out.mkv exposure stops=0.5 --frames 10-14 --json");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_THAT(o.out, HasSubstr("\"event\":\"progress\""));
  EXPECT_THAT(o.out, HasSubstr("\"event\":\"done\""));
  o = run("probe --json out.mkv");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(nlohmann::json::parse(o.out)["frame_count"], 5);
  o = run("apply " + mega_ + " small.png exposure stops=0.5 --frames 10-10 --preview-scale 0.25");
  ASSERT_EQ(o.code, 0) << o.err;
  o = run("probe --json small.png");
  EXPECT_EQ(nlohmann::json::parse(o.out)["width"], 180);
}

}  // namespace
}  // namespace fl

namespace fl {
namespace {

TEST_F(Cli, OperatorDocsAreGeneratedFromSchemas) {
  auto o = run("ops --markdown");
  ASSERT_EQ(o.code, 0);
  std::string committed = slurp(test::repo_path("docs/operators.md"));
  EXPECT_EQ(o.out, committed)
      << "docs/operators.md is stale: regenerate with `framelock ops --markdown`";
}

TEST_F(Cli, SequenceRoundTrip) {
  auto o = run("apply " + mega_ + " plate.%04d.exr resize width=180 --frames 3-5");
  ASSERT_EQ(o.code, 0) << o.err;
  o = run("probe --json plate.%04d.exr");
  ASSERT_EQ(o.code, 0) << o.err;
  auto j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["frame_count"], 3);
  EXPECT_EQ(j["width"], 180);
  EXPECT_EQ(j["color_transfer"], "linear");
}

}  // namespace
}  // namespace fl

namespace fl {
namespace {

// A linear EXR plate written to PNG must be display-encoded (sRGB), not linear code values.
TEST_F(Cli, LinearSourceToIntegerOutputIsDisplayEncoded) {
  auto o = run("apply " + mega_ + " plate.%04d.exr exposure stops=0 --frames 120-120");
  ASSERT_EQ(o.code, 0) << o.err;
  o = run("apply plate.%04d.exr still.png exposure stops=0");
  ASSERT_EQ(o.code, 0) << o.err;
  o = run("apply plate.%04d.exr still_linear.tif exposure stops=0");
  ASSERT_EQ(o.code, 0) << o.err;
  // Its code values are sRGB: decoded as sRGB they give back the plate's linear light.
  auto png = io::open_source(dir_.file("still.png"), {"srgb"});
  auto exr = io::open_source(dir_.file("plate.%04d.exr"));
  ASSERT_TRUE(png.ok() && exr.ok());
  auto a = (*png)->read_frame(0), b = (*exr)->read_frame(0);
  ASSERT_TRUE(a.ok() && b.ok());
  const auto& srgb = colour::TransferCurve::get(colour::Transfer::kSrgb);
  Image ea = a->clone(), eb = b->clone();
  srgb.rgba_to_encoded(ea.data(), ea.pixel_count());
  srgb.rgba_to_encoded(eb.data(), eb.pixel_count());
  EXPECT_GT(test::psnr(ea, eb), 45.0);
}

TEST_F(Cli, ShotsJsonAndErrors) {
  auto o = run("shots --json " + mega_);
  ASSERT_EQ(o.code, 0) << o.err;
  auto j = nlohmann::json::parse(o.out);
  ASSERT_EQ(j["shots"].size(), 4u) << o.out;
  EXPECT_EQ(j["shots"][1]["first"], 98);
  EXPECT_EQ(j["shots"][1]["in"], "cut");
  EXPECT_EQ(j["shots"][3]["timecode_out"], "00:00:11:05");
  o = run("shots nope.avi");
  EXPECT_EQ(o.code, 3);
  EXPECT_THAT(o.err, HasSubstr("nope.avi"));
  write("text.mp4", "not a video");
  o = run("shots text.mp4");
  EXPECT_NE(o.code, 0);
  EXPECT_THAT(o.err, HasSubstr("text.mp4"));
  o = run("shots --min-shot 0 " + mega_);
  EXPECT_NE(o.code, 0);
}

}  // namespace
}  // namespace fl
