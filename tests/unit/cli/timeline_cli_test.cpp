// Timelines through the command line: what a reader simplified is said by `probe` (and in its
// JSON) and by every render, and EDLs at 25 fps conform at their media's rate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"
#include "test_support.h"

namespace fl {
namespace {

using test::Cli;
using ::testing::HasSubstr;

class TimelineCli : public Cli {
 protected:
  void SetUp() override {
    // 40 frames of Megamind at 25 fps, so that frame fields run to 24.
    ASSERT_EQ(
        test::ffmpeg("-i " + mega_ + " -frames:v 40 -r 25 -an -c:v ffv1 " + dir_.file("m25.mkv")),
        0);
    write("cut.edl",
          "TITLE: cut\nFCM: NON-DROP FRAME\n\n"
          "001  AX  V  C  00:00:00:00 00:00:00:20 01:00:00:00 01:00:00:20\n"
          "* FROM CLIP NAME: m25.mkv\n"
          "002  AX  V  D  010 00:00:00:24 00:00:01:10 01:00:00:20 01:00:01:06\n"
          "* FROM CLIP NAME: m25.mkv\n"
          "* TO CLIP NAME: m25.mkv\n");
  }
};

TEST_F(TimelineCli, ProbeAndApplySayWhatTheReaderSimplified) {
  auto probe = run("probe " + dir_.file("cut.edl"));
  ASSERT_EQ(probe.code, 0) << probe.err;
  EXPECT_THAT(probe.out, HasSubstr("warning     dissolves are treated as cuts"));
  EXPECT_THAT(probe.out, HasSubstr("at 25/1 fps"));  // the media's rate, frame fields of 24
  auto json = run("probe --json " + dir_.file("cut.edl"));
  ASSERT_EQ(json.code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_TRUE(j.contains("warnings")) << json.out;
  ASSERT_EQ(j["warnings"].size(), 1u) << json.out;  // the 25 fps it assumed is the media's
  EXPECT_THAT(j["warnings"][0].get<std::string>(), HasSubstr("dissolves"));

  auto apply = run("apply " + dir_.file("cut.edl") + " " + dir_.file("out.mkv") +
                   " exposure stops=0.5 --frames 0-1");
  ASSERT_EQ(apply.code, 0) << apply.err;
  EXPECT_THAT(apply.err, HasSubstr("warning: source "));
  EXPECT_THAT(apply.err, HasSubstr("dissolves are treated as cuts"));
  auto apply_json = run("apply " + dir_.file("cut.edl") + " " + dir_.file("out2.mkv") +
                        " exposure stops=0.5 --frames 0-1 --json");
  ASSERT_EQ(apply_json.code, 0) << apply_json.err;
  EXPECT_THAT(apply_json.out, HasSubstr("\"event\":\"warning\""));
}

}  // namespace
}  // namespace fl
