// Character analysis on Megamind.avi: Roxanne (shots 0 and 2), the man in glasses (shots 1 and
// 3) and the man at the table behind Roxanne (shot 0), checked by eye on a contact sheet.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "analysis/cast_eval.h"
#include "analysis/cast_json.h"
#include "analysis/characters.h"
#include "io/frame_source.h"
#include "test_support.h"

namespace fl::analysis {
namespace {

std::set<int> shots_of(const Character& c) {
  std::set<int> s;
  for (const auto& t : c.tracks) s.insert(t.shot);
  return s;
}

Result<Cast> megamind_cast(const std::vector<ReferenceFace>& refs = {},
                           const CharacterOptions& options = {}) {
  auto source = io::open_source(test::opencv_data("Megamind.avi"), {});
  if (!source.ok()) return source.status();
  return analyse_characters(**source, refs, options);
}

// The cast without references, made once for the tests that only read it.
const Cast& megamind() {
  static const Cast cast = [] {
    auto c = megamind_cast();
    EXPECT_TRUE(c.ok()) << c.status().to_string();
    return c.ok() ? *c : Cast{};
  }();
  return cast;
}

Result<ReferenceFace> reference_from_frame(const std::string& name, int64_t frame) {
  auto source = io::open_source(test::opencv_data("Megamind.avi"), {});
  if (!source.ok()) return source.status();
  auto img = (*source)->read_frame(frame);
  if (!img.ok()) return img.status();
  return reference_face(name, "Megamind.avi@" + std::to_string(frame), *img, (*source)->transfer());
}

TEST(Characters, MegamindsThreeFacesEachOneCharacter) {
  const Cast* cast = &megamind();
  ASSERT_EQ(cast->shots.size(), 4u);
  ASSERT_EQ(cast->characters.size(), 3u);
  // In order of first appearance; the two at frame 1 left to right.
  EXPECT_EQ(shots_of(cast->characters[0]), (std::set<int>{0, 2}));  // Roxanne
  EXPECT_EQ(shots_of(cast->characters[1]), (std::set<int>{0}));     // the man at the table
  EXPECT_EQ(shots_of(cast->characters[2]), (std::set<int>{1, 3}));  // the man in glasses
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(cast->characters[i].id, int(i + 1));
    EXPECT_EQ(cast->characters[i].name, "character " + std::to_string(i + 1));
  }
  // Roxanne and the man in glasses are seen in nearly every frame of their shots.
  EXPECT_GT(cast->characters[0].frames_seen(), 130);
  EXPECT_GT(cast->characters[2].frames_seen(), 115);
  // Every box lies in its track's shot, once per frame, in order.
  for (const auto& c : cast->characters)
    for (const auto& t : c.tracks) {
      const Shot& s = cast->shots[size_t(t.shot)];
      EXPECT_GE(t.start, s.first);
      EXPECT_LE(t.end, s.last);
      for (size_t k = 1; k < t.boxes.size(); ++k) EXPECT_GT(t.boxes[k].frame, t.boxes[k - 1].frame);
      EXPECT_EQ(t.boxes.front().frame, t.start);
      EXPECT_EQ(t.boxes.back().frame, t.end);
    }
}

// Roxanne's face hidden (a dark patch, as hair is when she turns away; faded in over frames
// 12-16, as a turn is not a cut) on a pan:
// the hair, shoulders and clothes around it are followed, so her track and identity go on with the
// camera, boxes marked as not seeing a face (confidence 0). Without following, her track ends with
// her face.
TEST(Characters, AFaceThatTurnsAwayKeepsItsTrackByWhatSurroundsIt) {
  test::TempDir dir;
  const std::string clip = dir.file("turned.mkv");
  ASSERT_EQ(
      test::ffmpeg("-i " + test::opencv_data("Megamind.avi") +
                   " -an -vf \"select=between(n\\,10\\,57),setpts=N/24/TB,"
                   "drawbox=x=206:y=182:w=190:h=190:color=0x2b1d14@0.3:t=fill:enable='gte(n,12)',"
                   "drawbox=x=206:y=182:w=190:h=190:color=0x2b1d14@0.5:t=fill:enable='gte(n,14)',"
                   "drawbox=x=206:y=182:w=190:h=190:color=0x2b1d14:t=fill:enable='gte(n,16)',"
                   "crop=560:480:'min(n*3,141)':24\" -c:v ffv1 " +
                   clip),
      0);
  auto source = io::open_source(clip, {});
  ASSERT_TRUE(source.ok()) << source.status().to_string();
  auto cast = analyse_characters(**source, {});
  ASSERT_TRUE(cast.ok()) << cast.status().to_string();
  ASSERT_EQ(cast->shots.size(), 1u);
  // Roxanne: the character seen first at the left.
  const Character* roxanne = nullptr;
  for (const auto& c : cast->characters)
    if (!c.tracks.empty() && c.tracks[0].boxes[0].x < 300) roxanne = &c;
  ASSERT_NE(roxanne, nullptr);
  ASSERT_EQ(roxanne->tracks.size(), 1u);
  const CharacterTrack& t = roxanne->tracks[0];
  int seen = 0, followed = 0;
  for (const FaceBox& b : t.boxes) (b.confidence > 0 ? seen : followed)++;
  EXPECT_GE(seen, 10);
  EXPECT_LE(seen, 17);  // nothing found under the patch
  EXPECT_GE(followed, 30);
  EXPECT_GE(t.end, 44);
  // The followed box moves with the pan (3 pixels a frame to the left).
  const FaceBox* last_seen = nullptr;
  for (const FaceBox& b : t.boxes)
    if (b.confidence > 0) last_seen = &b;
  ASSERT_NE(last_seen, nullptr);
  const FaceBox& last = t.boxes.back();
  const float pan = 3.f * float(std::min<int64_t>(last.frame, 47) - last_seen->frame);
  EXPECT_NEAR(last.x, last_seen->x - pan, 30.f) << "followed " << followed << " frames";
  EXPECT_NEAR(last.y, last_seen->y, 30.f);

  // Not following: the track ends a few frames after the face is hidden.
  CharacterOptions no_follow;
  no_follow.max_follow = 0;
  auto again = io::open_source(clip, {});
  ASSERT_TRUE(again.ok());
  auto plain = analyse_characters(**again, {}, no_follow);
  ASSERT_TRUE(plain.ok());
  for (const auto& c : plain->characters)
    for (const auto& tr : c.tracks)
      if (tr.boxes[0].x < 300) {
        EXPECT_LT(tr.end, 20);
      }
}

// Without the rule that two faces in one frame are two people, or without clothing, the cast is
// still computed; the rule is what keeps the man at the table from joining Roxanne's character.
TEST(Characters, TwoFacesInOneFrameAreNeverOneCharacter) {
  const Cast* cast = &megamind();
  for (const auto& c : cast->characters) {
    std::set<int64_t> frames;
    for (const auto& t : c.tracks)
      for (const auto& b : t.boxes) EXPECT_TRUE(frames.insert(b.frame).second) << c.name;
  }
}

TEST(Characters, ReferencesNameTheirCharacters) {
  auto roxanne = reference_from_frame("Roxanne", 170);
  auto glasses = reference_from_frame("Bernard", 230);
  ASSERT_TRUE(roxanne.ok() && glasses.ok());
  auto cast = megamind_cast({*glasses, *roxanne});
  ASSERT_TRUE(cast.ok()) << cast.status().to_string();
  ASSERT_EQ(cast->characters.size(), 3u);
  EXPECT_EQ(cast->characters[0].name, "Roxanne");
  EXPECT_EQ(cast->characters[1].name, "character 2");
  EXPECT_EQ(cast->characters[2].name, "Bernard");
  EXPECT_TRUE(cast->note.empty()) << cast->note;
}

TEST(Characters, AReferenceWithNoFaceIsAnErrorNamingTheFile) {
  test::TempDir dir;
  const std::string still = dir.file("wall.png");
  ASSERT_EQ(test::ffmpeg("-f lavfi -i color=gray:size=320x240 -frames:v 1 " + still), 0);
  auto source = io::open_source(still, {});
  ASSERT_TRUE(source.ok());
  auto frame = (*source)->read_frame(0);
  ASSERT_TRUE(frame.ok());
  auto ref = reference_face("Nobody", still, *frame, (*source)->transfer());
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(ref.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(ref.status().message().find(still), std::string::npos) << ref.status().message();
  EXPECT_NE(ref.status().message().find("Nobody"), std::string::npos);
}

TEST(Characters, FootageWithNoFacesGivesAnEmptyCastAndANote) {
  test::TempDir dir;
  const std::string clip = dir.file("pattern.mkv");
  ASSERT_EQ(
      test::ffmpeg("-f lavfi -i testsrc2=size=320x240:rate=24 -frames:v 24 -c:v ffv1 " + clip), 0);
  auto source = io::open_source(clip, {});
  ASSERT_TRUE(source.ok());
  auto cast = analyse_characters(**source, {});
  ASSERT_TRUE(cast.ok()) << cast.status().to_string();
  EXPECT_TRUE(cast->characters.empty());
  EXPECT_NE(cast->note.find("no faces"), std::string::npos) << cast->note;
  const auto j = cast_to_json(*cast);
  EXPECT_TRUE(j["characters"].is_array());
  EXPECT_TRUE(j["characters"].empty());
  EXPECT_EQ(j["note"], cast->note);
}

TEST(Characters, TheCastAsJson) {
  const Cast* cast = &megamind();
  const auto j = cast_to_json(*cast);
  ASSERT_EQ(j["characters"].size(), 3u);
  const auto& c = j["characters"][0];
  EXPECT_EQ(c["id"], 1);
  EXPECT_EQ(c["name"], "character 1");
  const auto& box = c["tracks"][0]["boxes"][0];
  ASSERT_EQ(box.size(), 6u);  // [frame, x, y, w, h, confidence]
  EXPECT_EQ(box[0], c["tracks"][0]["start"]);
  EXPECT_GT(box[3].get<double>(), 50.0);
  EXPECT_EQ(j["models"]["face_descriptor"].get<std::string>().size(), 64u);
}

// Against the hand-checked labels of every frame (tests/data/megamind_faces.json): the two leads'
// identity in >= 97% of the frames their face is seen (issue 18's goal), by the character most of
// whose boxes are on them, and by the names references gave.
TEST(Characters, LeadsIdentifiedInNearlyEveryLabelledFrame) {
  auto labels = read_face_labels(test::test_data("megamind_faces.json"));
  ASSERT_TRUE(labels.ok()) << labels.status().to_string();
  ASSERT_EQ(labels->leads, (std::vector<std::string>{"roxanne", "glasses"}));
  const CastScore unnamed = score_cast(megamind(), *labels, /*by_name=*/false);
  EXPECT_EQ(unnamed.lead_frames, 143 + 126);
  EXPECT_GE(unnamed.identity_accuracy, 0.97);
  EXPECT_GE(unnamed.purity, 0.97);
  EXPECT_EQ(unnamed.spurious, 0);
  EXPECT_NE(unnamed.character_of.at("roxanne"), unnamed.character_of.at("glasses"));

  auto roxanne = reference_from_frame("Roxanne", 170);
  auto glasses = reference_from_frame("Glasses", 230);
  ASSERT_TRUE(roxanne.ok() && glasses.ok());
  auto named = megamind_cast({*roxanne, *glasses});
  ASSERT_TRUE(named.ok());
  const CastScore by_name = score_cast(*named, *labels, /*by_name=*/true);
  EXPECT_GE(by_name.identity_accuracy, 0.97);
}

// A scorer that cannot fail is no measure: a cast with the leads swapped scores zero.
TEST(Characters, TheScoreSeesSwappedLeads) {
  auto labels = read_face_labels(test::test_data("megamind_faces.json"));
  ASSERT_TRUE(labels.ok());
  Cast swapped = megamind();
  for (auto& c : swapped.characters) {
    if (c.id == 1) c.name = "Glasses";
    if (c.id == 3) c.name = "Roxanne";
  }
  EXPECT_LT(score_cast(swapped, *labels, /*by_name=*/true).identity_accuracy, 0.01);
  Cast empty;
  EXPECT_EQ(score_cast(empty, *labels, false).coverage, 0.0);
}

TEST(Characters, BadFaceLabelsNameTheFileAndField) {
  test::TempDir dir;
  auto write = [&](const std::string& text) {
    std::ofstream(dir.file("labels.json")) << text;
    return read_face_labels(dir.file("labels.json"));
  };
  EXPECT_EQ(read_face_labels(dir.file("none.json")).status().code(), ErrorCode::kNotFound);
  auto r = write("[1, 2]");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("labels.json"), std::string::npos);
  r = write(R"({"faces": {"a": [[1, 2, 3]]}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "faces.a");
  r = write(R"({"faces": {"a": [[1, 2, 3, 0, 5]]}})");
  EXPECT_FALSE(r.ok());
  r = write(R"({"faces": {"a": [[1, 2, 3, 4, 5]]}, "leads": ["b"]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "leads");
  EXPECT_FALSE(write("{not json").ok());
}

// A cast written out reads back the same, and its file can be kept and read again.
TEST(Characters, TheCastFileReadsBackWhatWasWritten) {
  const nlohmann::json written = cast_to_json(megamind());
  auto back = cast_from_json(written);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(cast_to_json(*back), written);
  test::TempDir dir;
  std::ofstream(dir.file("cast.json")) << written.dump(1);
  auto file = read_cast_file(dir.file("cast.json"));
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->characters.size(), 3u);
  EXPECT_EQ(file->shots.size(), 4u);
}

TEST(Characters, ABadCastFileNamesTheField) {
  auto field_of = [](const std::string& text) {
    auto c = cast_from_json(nlohmann::json::parse(text));
    return c.ok() ? std::string("(accepted)") : c.status().field();
  };
  const std::string box = R"([[5, 1, 2, 30, 30, 0.9]])";
  auto track = [&](const std::string& boxes, int start = 5, int end = 5) {
    return R"({"characters": [{"id": 1, "name": "a", "tracks": [{"shot": 0, "start": )" +
           std::to_string(start) + R"(, "end": )" + std::to_string(end) + R"(, "boxes": )" + boxes +
           "}]}]}";
  };
  EXPECT_EQ(field_of(track(box)), "(accepted)");
  EXPECT_EQ(field_of("[]"), "(the cast)");
  EXPECT_EQ(field_of(R"({"characters": 3})"), "characters");
  EXPECT_EQ(field_of(R"({"characters": [{"id": 0, "name": "a", "tracks": []}]})"),
            "characters[0].id");
  EXPECT_EQ(field_of(track(box, 5, 4)), "characters[0].tracks[0].end");
  EXPECT_EQ(field_of(track(R"([[5, 1, 2, 0, 30, 0.9]])")), "characters[0].tracks[0].boxes[0]");
  EXPECT_EQ(field_of(track(R"([[5, 1, 2, 30, 30, 1.5]])")), "characters[0].tracks[0].boxes[0][5]");
  EXPECT_EQ(field_of(track(R"([[6, 1, 2, 30, 30, 0.5]])", 5, 7)),
            "characters[0].tracks[0]");  // no box at the track's start
  EXPECT_EQ(field_of(track(R"([[5, 1, 2, 30, 30, 0.5], [5, 1, 2, 30, 30, 0.5]])")),
            "characters[0].tracks[0].boxes[1]");  // the same frame twice
  test::TempDir dir;
  std::ofstream(dir.file("bad.json")) << "{not json";
  auto r = read_cast_file(dir.file("bad.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad.json"), std::string::npos);
  EXPECT_EQ(read_cast_file(dir.file("none.json")).status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace fl::analysis
