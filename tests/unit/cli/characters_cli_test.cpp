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

}  // namespace
}  // namespace fl
