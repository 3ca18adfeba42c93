// join_segments() / segment_any_frame() through the dispatch level: clips go to the FFmpeg join
// (tested in io_ffmpeg/join_test.cpp), image sequences are refused or trivially segmentable.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/frame_sink.h"
#include "io/frame_source.h"
#include "test_support.h"

namespace fl::io {
namespace {

SinkOptions small_options() {
  SinkOptions o;
  o.width = 64;
  o.height = 48;
  return o;
}

Status write_clip(const std::string& path, int frames) {
  auto sink = open_sink(path, small_options());
  if (!sink.ok()) return sink.status();
  for (int i = 0; i < frames; ++i)
    FL_RETURN_IF_ERROR((*sink)->write(test::make_pattern(64, 48, i)));
  return (*sink)->finish();
}

TEST(JoinSegments, ClipsAreJoined) {
  test::TempDir segs, out;
  ASSERT_TRUE(write_clip(segs.file("a.mov"), 2).ok());
  ASSERT_TRUE(write_clip(segs.file("b.mov"), 1).ok());
  Status s =
      join_segments({segs.file("a.mov"), segs.file("b.mov")}, out.file("j.mov"), small_options());
  ASSERT_TRUE(s.ok()) << s.to_string();
  auto info = probe(out.file("j.mov"));
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->frame_count, 3);
}

TEST(JoinSegments, ImageSequencesAreNotJoined) {
  test::TempDir segs, out;
  ASSERT_TRUE(write_clip(segs.file("a.mov"), 1).ok());
  for (const char* name : {"j.%04d.exr", "j.png", "j.%06d.tif"}) {
    Status s = join_segments({segs.file("a.mov")}, out.file(name), small_options());
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << name << ": " << s.to_string();
    EXPECT_NE(s.message().find(name), std::string::npos) << s.message();
  }
  EXPECT_TRUE(std::filesystem::is_empty(out.path()));
}

TEST(SegmentAnyFrame, FollowsTheEncoder) {
  SinkOptions o = small_options();
  for (const char* path : {"a.mov", "a.mkv", "a.%04d.exr", "null"}) {
    auto r = segment_any_frame(path, o);
    ASSERT_TRUE(r.ok()) << path << ": " << r.status().to_string();
    EXPECT_TRUE(*r) << path;
  }
  auto mp4 = segment_any_frame("a.mp4", o);
  ASSERT_TRUE(mp4.ok()) << mp4.status().to_string();
  EXPECT_FALSE(*mp4);
  EXPECT_FALSE(segment_any_frame("a.weird", o).ok());
}

}  // namespace
}  // namespace fl::io
