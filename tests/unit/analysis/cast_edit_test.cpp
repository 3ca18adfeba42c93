// Corrections to a cast (rename, merge, split) and their carrying over onto a new analysis of
// the same clip: ids, names, merges and splits survive; the log travels in the cast file.
#include <gtest/gtest.h>

#include "analysis/cast_edit.h"
#include "analysis/cast_json.h"

namespace fl::analysis {
namespace {

CharacterTrack track(int shot, int64_t first, int64_t last, float x, float y = 50) {
  CharacterTrack t;
  t.shot = shot;
  t.start = first;
  t.end = last;
  for (int64_t f = first; f <= last; ++f)
    t.boxes.push_back({f, x + float(f - first), y, 40, 48, 0.9f});
  return t;
}

Character character(int id, std::vector<CharacterTrack> tracks, std::string name = {}) {
  Character c;
  c.id = id;
  c.name = name.empty() ? "character " + std::to_string(id) : name;
  c.tracks = std::move(tracks);
  return c;
}

// Shots 0-1-2 of 30 frames; A in shots 0 and 2, B beside her in shot 0 and alone in shot 1.
Cast two_people() {
  Cast cast;
  cast.frame_count = 90;
  cast.shots = {{0, 29}, {30, 59}, {60, 89}};
  cast.characters = {character(1, {track(0, 0, 29, 100), track(2, 60, 89, 120)}),
                     character(2, {track(0, 5, 25, 300), track(1, 30, 59, 200)})};
  return cast;
}

std::vector<std::pair<int, std::string>> who(const Cast& cast) {
  std::vector<std::pair<int, std::string>> out;
  for (const auto& c : cast.characters) out.emplace_back(c.id, c.name);
  return out;
}

TEST(CastEdit, RenameMergeSplitAndTheirRefusals) {
  Cast cast = two_people();
  ASSERT_TRUE(rename_character(cast, 1, "Roxanne").ok());
  EXPECT_EQ(rename_character(cast, 2, "Roxanne").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(rename_character(cast, 9, "Hal").code(), ErrorCode::kNotFound);
  EXPECT_EQ(rename_character(cast, 2, "").code(), ErrorCode::kInvalidArgument);
  // Seen together in shot 0: never one person.
  const Status together = merge_characters(cast, 1, 2);
  EXPECT_EQ(together.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(together.message().find("frame 5"), std::string::npos) << together.message();
  // B's shot 1 as a character of its own, then merged back.
  auto split = split_character(cast, 2, 30, 59, "Hal");
  ASSERT_TRUE(split.ok()) << split.status().message();
  EXPECT_EQ(*split, 3);
  EXPECT_EQ(who(cast), (std::vector<std::pair<int, std::string>>{
                           {1, "Roxanne"}, {2, "character 2"}, {3, "Hal"}}));
  EXPECT_FALSE(split_character(cast, 2, 30, 59).ok());  // nothing of 2 lies there any more
  EXPECT_FALSE(split_character(cast, 3, 0, 89).ok());   // all of it: a rename
  ASSERT_TRUE(merge_characters(cast, 2, 3).ok());
  EXPECT_EQ(cast.characters.size(), 2u);
  EXPECT_EQ(cast.characters[1].tracks.size(), 2u);
  ASSERT_EQ(cast.corrections.size(), 3u);
  EXPECT_EQ(cast.corrections[0].op, "rename");
  EXPECT_EQ(cast.corrections[1].op, "split");
  EXPECT_EQ(cast.corrections[2].op, "merge");

  // The log travels in the file.
  auto back = cast_from_json(cast_to_json(cast));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(cast_to_json(*back), cast_to_json(cast));
  auto j = cast_to_json(cast);
  j["corrections"][0]["op"] = "delete";
  EXPECT_EQ(cast_from_json(j).status().field(), "corrections[0].op");
}

TEST(CastEdit, CorrectionsCarryOverOntoANewAnalysis) {
  // A person's corrections: A named, B split in two (shot 1 is someone else), ids kept.
  Cast corrected = two_people();
  ASSERT_TRUE(rename_character(corrected, 1, "Roxanne").ok());
  ASSERT_TRUE(split_character(corrected, 2, 30, 59, "Hal").ok());

  // A new analysis: boxes moved a little, its own ids in another order, B's shots together
  // again, and A's second shot split off as a stranger.
  Cast fresh;
  fresh.frame_count = 90;
  fresh.shots = corrected.shots;
  fresh.characters = {character(1, {track(0, 5, 25, 302), track(1, 30, 59, 201)}),
                      character(2, {track(0, 0, 29, 101)}), character(3, {track(2, 61, 88, 121)})};
  const Cast carried = carry_over(corrected, fresh);
  EXPECT_EQ(who(carried), (std::vector<std::pair<int, std::string>>{
                              {1, "Roxanne"}, {2, "character 2"}, {3, "Hal"}}));
  ASSERT_EQ(carried.characters[0].tracks.size(), 2u);  // A's two shots, together again
  EXPECT_EQ(carried.characters[0].tracks[1].start, 61);
  EXPECT_EQ(carried.characters[2].tracks[0].shot, 1);
  EXPECT_EQ(carried.corrections.size(), corrected.corrections.size());

  // Someone new in the new analysis (a face the old one missed) gets an id of their own.
  fresh.characters.push_back(character(4, {track(1, 35, 50, 500, 200)}));
  const Cast with_new = carry_over(corrected, fresh);
  ASSERT_EQ(with_new.characters.size(), 4u);
  EXPECT_EQ(with_new.characters[3].id, 4);
  EXPECT_EQ(with_new.characters[3].name, "character 4");
}

TEST(CastEdit, AReferencesNameWinsOverADefaultOne) {
  Cast before = two_people();
  Cast fresh = two_people();
  fresh.characters[1].name = "Hal";  // named by a reference this time
  const Cast carried = carry_over(before, fresh);
  EXPECT_EQ(carried.characters[1].name, "Hal");
  // A name a person gave stays.
  ASSERT_TRUE(rename_character(before, 2, "Bernard").ok());
  EXPECT_EQ(carry_over(before, fresh).characters[1].name, "Bernard");
}

}  // namespace
}  // namespace fl::analysis
