// `framelock characters`: the cast of Megamind.avi as JSON and as a file, named by references;
// bad references fail cleanly with nothing written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"
#include "io/frame_source.h"
#include "test_support.h"

namespace fl {
namespace {

using test::Cli;
using ::testing::HasSubstr;

TEST_F(Cli, CharactersOfMegamindAsJsonNamedByAReference) {
  const std::string mega = test::opencv_data("Megamind.avi");
  // Roxanne's face from frame 170 as a still, the way a user would pick a reference.
  ASSERT_EQ(test::ffmpeg("-i " + mega + " -vf \"select=eq(n\\,170)\" -frames:v 1 " +
                         dir_.file("roxanne.png")),
            0);
  auto r = run("characters " + mega +
               " --reference Roxanne=roxanne.png --json --out cast.json --sheet cast.png");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto printed = nlohmann::json::parse(r.out);
  const auto written = nlohmann::json::parse(slurp(dir_.file("cast.json")));
  EXPECT_EQ(printed, written);
  ASSERT_EQ(printed["characters"].size(), 3u);
  EXPECT_EQ(printed["characters"][0]["name"], "Roxanne");
  EXPECT_EQ(printed["frame_count"], 270);
  EXPECT_EQ(printed["shots"].size(), 4u);
  std::set<int> roxanne_shots;
  for (const auto& t : printed["characters"][0]["tracks"])
    roxanne_shots.insert(t["shot"].get<int>());
  EXPECT_EQ(roxanne_shots, (std::set<int>{0, 2}));
  // The sheet: a row per character (3), a column for the face and one per shot (at most 2).
  auto sheet = io::probe(dir_.file("cast.png"));
  ASSERT_TRUE(sheet.ok()) << sheet.status().to_string();
  EXPECT_EQ(sheet->height, 8 + 3 * (22 + 160 + 22 + 8));
  EXPECT_EQ(sheet->width, 8 + (160 + 8) + 2 * (720 * 160 / 528 + 8));
}

TEST_F(Cli, CharactersSheetMustBeAPicture) {
  const std::string mega = test::opencv_data("Megamind.avi");
  auto r = run("characters " + mega + " --sheet cast.txt");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("cast.txt': use .png or .jpg"));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("cast.txt")));
}

TEST_F(Cli, CharactersRefusesBadReferences) {
  const std::string mega = test::opencv_data("Megamind.avi");
  auto r = run("characters " + mega + " --reference Roxanne=missing.png --out cast.json");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("missing.png"));
  EXPECT_THAT(r.err, HasSubstr("Roxanne"));
  r = run("characters " + mega + " --reference roxanne.png --out cast.json");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("is not NAME=IMAGE"));
  ASSERT_EQ(
      test::ffmpeg("-f lavfi -i color=gray:size=320x240 -frames:v 1 " + dir_.file("wall.png")), 0);
  r = run("characters " + mega + " --reference Nobody=wall.png --out cast.json");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("shows no face"));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("cast.json")));
}

// Roxanne's dress recoloured in shot 2 only (the lower part of the frame, hue turned): the
// continuity report flags that shot and no other; the untouched clip flags nothing.
TEST_F(Cli, ContinuityFlagsTheShotWhoseClothingChanged) {
  const std::string mega = test::opencv_data("Megamind.avi");
  for (auto [frame, name] : {std::pair{170, "roxanne"}, {230, "glasses"}})
    ASSERT_EQ(test::ffmpeg("-i " + mega + " -vf \"select=eq(n\\," + std::to_string(frame) +
                           ")\" -frames:v 1 " + dir_.file(std::string(name) + ".png")),
              0);
  ASSERT_EQ(
      test::ffmpeg("-i " + mega +
                   " -filter_complex \"[0:v]split[a][b];[b]crop=720:228:0:300,hue=h=140:s=1.3[c];"
                   "[a][c]overlay=0:300:enable='between(n,154,199)'\" -c:v ffv1 -an " +
                   dir_.file("recoloured.mkv")),
      0);
  const std::string refs = " --reference Roxanne=roxanne.png --reference Glasses=glasses.png";
  for (bool recoloured : {false, true}) {
    const std::string clip = recoloured ? "recoloured.mkv" : mega;
    auto r = run("characters " + clip + refs + " --continuity report.json");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto report = nlohmann::json::parse(slurp(dir_.file("report.json")));
    ASSERT_EQ(report["shots"].size(), 4u);  // Roxanne in 2 shots, Glasses in 2
    EXPECT_EQ(report["unreferenced"], nlohmann::json::array({"character 2"}));
    for (const auto& s : report["shots"]) {
      const bool should = recoloured && s["name"] == "Roxanne" && s["shot"] == 2;
      EXPECT_EQ(s["flagged"].get<bool>(), should) << s.dump();
    }
    if (recoloured) {
      EXPECT_THAT(r.err, HasSubstr("continuity: Roxanne, shot 2: clothing"));
    }
  }
}

}  // namespace
}  // namespace fl

namespace fl {
namespace {

using test::Cli;

TEST_F(Cli, CastCorrectionsAreKeptAndReappliedWhenTheClipIsAnalysedAgain) {
  const std::string mega = test::opencv_data("Megamind.avi");
  auto r = run("characters " + mega + " --out cast.json");
  ASSERT_EQ(r.code, 0) << r.err;
  // Name the leads; Roxanne's second shot becomes someone of its own.
  r = run("cast cast.json --rename 1=Roxanne --rename 3=Glasses --split 1:150-199=Roxanne-late");
  ASSERT_EQ(r.code, 0) << r.err;
  r = run("cast cast.json --merge 1+2");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, ::testing::HasSubstr("two faces on one frame are two people"));
  const auto corrected = nlohmann::json::parse(slurp(dir_.file("cast.json")));
  ASSERT_EQ(corrected["corrections"].size(), 3u);
  ASSERT_EQ(corrected["characters"].size(), 4u);

  // Analysed again from scratch: the same ids, names and split.
  r = run("characters " + mega + " --cast cast.json --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto again = nlohmann::json::parse(r.out);
  ASSERT_EQ(again["characters"].size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(again["characters"][i]["id"], corrected["characters"][i]["id"]);
    EXPECT_EQ(again["characters"][i]["name"], corrected["characters"][i]["name"]);
    EXPECT_EQ(again["characters"][i]["frames_seen"], corrected["characters"][i]["frames_seen"]);
  }
  EXPECT_EQ(again["corrections"], corrected["corrections"]);
  EXPECT_EQ(again["characters"][3]["name"], "Roxanne-late");

  // A cast of another clip is refused.
  ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=160x120:rate=24 -frames:v 10 " +
                         dir_.file("other.mkv")),
            0);
  r = run("characters other.mkv --cast cast.json");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, ::testing::HasSubstr("is of a clip of 270 frames"));
}

}  // namespace
}  // namespace fl
