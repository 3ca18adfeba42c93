// character_lock end to end, as a colourist would run it: Roxanne's two shots of Megamind graded
// two different ways inside her matte only (FFmpeg's eq and colorbalance through maskedmerge),
// then locked back to an ungraded still of her. Scored on the hand-labelled faces.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analysis/cast_eval.h"
#include "cli_fixture.h"
#include "colour/delta_e.h"
#include "io/frame_source.h"
#include "test_support.h"

namespace fl {
namespace {

using test::Cli;
using ::testing::HasSubstr;

// The cut: frames 30-69 (shot 0) then 160-199 (shot 2) of Megamind.
int64_t cut_frame(int64_t original) {
  if (original >= 30 && original <= 69) return original - 30;
  if (original >= 160 && original <= 199) return original - 120;
  return -1;
}

std::map<int64_t, colour::Lab> face_labs(const std::string& clip,
                                         const std::map<int64_t, std::array<float, 4>>& boxes) {
  auto labs = analysis::face_region_labs(clip, boxes);
  EXPECT_TRUE(labs.ok()) << labs.status().to_string();
  return labs.ok() ? *labs : std::map<int64_t, colour::Lab>{};
}

using analysis::mean_delta_e;

TEST_F(Cli, CharacterLockBringsAGradedLeadBackToHerReference) {
  const std::string mega = test::opencv_data("Megamind.avi");
  ASSERT_EQ(test::ffmpeg("-i " + mega +
                         " -an -vf \"select='between(n\\,30\\,69)+between(n\\,160\\,199)',"
                         "setpts=N/24/TB\" -c:v ffv1 " +
                         dir_.file("cut.mkv")),
            0);
  ASSERT_EQ(test::ffmpeg("-i " + mega + " -vf \"select=eq(n\\,50)\" -frames:v 1 " +
                         dir_.file("roxanne.png")),
            0);
  auto r = run("characters cut.mkv --reference Roxanne=roxanne.png --out cast.json");
  ASSERT_EQ(r.code, 0) << r.err;
  r =
      run("apply cut.mkv matte.mkv character_mask character=Roxanne cast=cast.json feather=8 "
          "--codec ffv1");
  ASSERT_EQ(r.code, 0) << r.err;
  // Her first shot warmer and brighter, her second cooler and more saturated; nobody else.
  ASSERT_EQ(test::ffmpeg("-i " + dir_.file("cut.mkv") + " -i " + dir_.file("matte.mkv") +
                         " -filter_complex \"[0:v]format=gbrp,split[a][b];[b]"
                         "eq=gamma_r=1.35:gamma_b=0.8:brightness=0.04:enable='lt(n,40)',"
                         "colorbalance=rs=-0.15:bs=0.2:rm=-0.12:bm=0.15:enable='gte(n,40)',"
                         "eq=saturation=1.35:enable='gte(n,40)'[g];[1:v]format=gbrp[m];"
                         "[a][g][m]maskedmerge\" -c:v ffv1 " +
                         dir_.file("graded.mkv")),
            0);
  std::filesystem::create_directory(dir_.file("exp"));
  r =
      run("apply graded.mkv locked.mkv character_lock character=Roxanne cast=cast.json "
          "reference=roxanne.png --codec ffv1 --export exp");
  ASSERT_EQ(r.code, 0) << r.err;

  auto labels = analysis::read_face_labels(test::test_data("megamind_faces.json"));
  ASSERT_TRUE(labels.ok());
  std::map<int64_t, std::array<float, 4>> boxes;
  for (const auto& [frame, box] : labels->faces.at("roxanne"))
    if (cut_frame(frame) >= 0) boxes[cut_frame(frame)] = box;
  ASSERT_GT(boxes.size(), 60u);
  const auto truth = face_labs(dir_.file("cut.mkv"), boxes);
  const double before = mean_delta_e(face_labs(dir_.file("graded.mkv"), boxes), truth);
  const double after = mean_delta_e(face_labs(dir_.file("locked.mkv"), boxes), truth);
  std::printf("Roxanne's face, CIEDE2000 to the ungraded cut: graded %.2f, locked %.2f\n", before,
              after);
  EXPECT_GT(before, 4.0);
  EXPECT_LT(after, 2.0);

  // Nobody else is touched: the man at the table (his labelled face) stays as graded.
  std::map<int64_t, std::array<float, 4>> others;
  for (const auto& [frame, box] : labels->faces.at("table"))
    if (cut_frame(frame) >= 0 && cut_frame(frame) < 40) others[cut_frame(frame)] = box;
  ASSERT_FALSE(others.empty());
  EXPECT_LT(mean_delta_e(face_labs(dir_.file("locked.mkv"), others),
                         face_labs(dir_.file("graded.mkv"), others)),
            0.5);

  // What the colourist gets: a .cube per shot, the cast, the report and its picture.
  const auto report = nlohmann::json::parse(slurp(dir_.file("exp/op_report.json")));
  ASSERT_EQ(report["shots"].size(), 2u);
  for (const auto& s : report["shots"])
    EXPECT_LT(s["face_delta_e_after"].get<double>(), s["face_delta_e_before"].get<double>());
  EXPECT_TRUE(std::filesystem::exists(dir_.file("exp/op_shot01.cube")));
  EXPECT_TRUE(std::filesystem::exists(dir_.file("exp/op_shot02.cube")));
  EXPECT_TRUE(std::filesystem::exists(dir_.file("exp/op_cast.json")));
  EXPECT_TRUE(io::probe(dir_.file("exp/op_report.png")).ok());
  // Her matte, as the render applied it, for every frame of her shots (the whole cut).
  int mattes = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.file("exp/op_matte"))) {
    (void)e;
    ++mattes;
  }
  EXPECT_EQ(mattes, 80);
  auto matte = io::open_source(dir_.file("exp/op_matte/op_matte.000010.png"), {});
  ASSERT_TRUE(matte.ok()) << matte.status().to_string();
  auto m = (*matte)->read_frame(0);
  ASSERT_TRUE(m.ok());
  const auto& face = labels->faces.at("roxanne").at(40);  // cut frame 10
  EXPECT_GT(m->at(int(face[0] + face[2] / 2), int(face[1] + face[3] / 2))[0], 0.99f);
  EXPECT_LT(m->at(2, 2)[0], 0.01f);
}

TEST_F(Cli, CharacterLockRefusesAReferenceWithoutAFace) {
  const std::string mega = test::opencv_data("Megamind.avi");
  ASSERT_EQ(test::ffmpeg("-i " + mega +
                         " -an -vf \"select='between(n\\,30\\,49)',setpts=N/24/TB\" -c:v ffv1 " +
                         dir_.file("cut.mkv")),
            0);
  ASSERT_EQ(test::ffmpeg("-f lavfi -i color=c=gray:s=320x240 -frames:v 1 " + dir_.file("grey.png")),
            0);
  auto r = run("apply cut.mkv out.mkv character_lock character=1 reference=grey.png");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("grey.png' shows no face"));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("out.mkv")));
  r = run("apply cut.mkv out.mkv character_lock character=Hal reference=shot:0");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("'Hal' is not a reference's name nor an id"));
}

}  // namespace
}  // namespace fl
