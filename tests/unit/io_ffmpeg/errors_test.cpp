// Damaged, missing and unreadable inputs: errors that name the file, never a crash.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "io/ffmpeg/ffmpeg_io.h"
#include "test_support.h"

namespace fl::io {
namespace {

namespace fs = std::filesystem;

void expect_error_naming(const Status& s, const std::string& path,
                         std::initializer_list<ErrorCode> codes) {
  ASSERT_FALSE(s.ok());
  bool matched = false;
  for (ErrorCode c : codes) matched |= s.code() == c;
  EXPECT_TRUE(matched) << s.to_string();
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
}

std::string make_clip(const test::TempDir& dir, const std::string& name, const std::string& codec,
                      int frames = 48) {
  std::string path = dir.file(name);
  EXPECT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=320x240:rate=24 -frames:v " +
                         std::to_string(frames) + " -g 12 " + codec + " " + path),
            0);
  return path;
}

void copy_prefix(const std::string& from, const std::string& to, double fraction) {
  std::ifstream in(from, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream out(to, std::ios::binary);
  out.write(bytes.data(), std::streamsize(double(bytes.size()) * fraction));
}

TEST(FfmpegErrors, MissingFile) {
  test::TempDir dir;
  std::string path = dir.file("missing.mov");
  expect_error_naming(probe_ffmpeg(path).status(), path, {ErrorCode::kNotFound});
  expect_error_naming(open_ffmpeg_source(path, {}).status(), path, {ErrorCode::kNotFound});
}

TEST(FfmpegErrors, UnreadableFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files regardless of their mode";
  test::TempDir dir;
  std::string path = make_clip(dir, "locked.mkv", "-c:v ffv1", 2);
  fs::permissions(path, fs::perms::none);
  expect_error_naming(open_ffmpeg_source(path, {}).status(), path, {ErrorCode::kPermissionDenied});
}

TEST(FfmpegErrors, TextFileNamedMp4) {
  test::TempDir dir;
  std::string path = dir.file("notes.mp4");
  std::ofstream(path) << "this is not a video, just some notes\n" << std::string(4000, 'x');
  expect_error_naming(open_ffmpeg_source(path, {}).status(), path,
                      {ErrorCode::kCorruptData, ErrorCode::kUnsupported});
}

TEST(FfmpegErrors, EmptyFileAndDirectory) {
  test::TempDir dir;
  std::string path = dir.file("empty.mov");
  std::ofstream(path).close();
  expect_error_naming(open_ffmpeg_source(path, {}).status(), path,
                      {ErrorCode::kCorruptData, ErrorCode::kUnsupported});
  expect_error_naming(open_ffmpeg_source(dir.path().string(), {}).status(), dir.path().string(),
                      {ErrorCode::kInvalidArgument});
}

TEST(FfmpegErrors, AudioOnlyFileHasNoVideo) {
  test::TempDir dir;
  std::string path = dir.file("tone.wav");
  ASSERT_EQ(test::ffmpeg("-f lavfi -i sine=duration=0.5 " + path), 0);
  auto src = open_ffmpeg_source(path, {});
  expect_error_naming(src.status(), path, {ErrorCode::kUnsupported});
  EXPECT_NE(src.status().message().find("no video"), std::string::npos);
}

TEST(FfmpegErrors, FrameOutOfRangeNamesFrameAndCount) {
  test::TempDir dir;
  std::string path = make_clip(dir, "short.mp4", "-c:v libx264", 10);
  auto src = open_ffmpeg_source(path, {});
  ASSERT_TRUE(src.ok()) << src.status().to_string();
  auto f = (*src)->read_frame(10);
  expect_error_naming(f.status(), path, {ErrorCode::kInvalidArgument});
  EXPECT_NE(f.status().message().find("frame 10"), std::string::npos) << f.status().message();
  EXPECT_NE(f.status().message().find("10 frames"), std::string::npos) << f.status().message();
  EXPECT_TRUE((*src)->read_frame(9).ok());  // still usable
}

class Truncated : public ::testing::TestWithParam<const char*> {};

// 60% of a clip: either the open fails (the index is at the end) or the late frames fail with
// corrupt_data naming the frame; the early frames that are there still decode.
TEST_P(Truncated, FailsCleanly) {
  test::TempDir dir;
  const std::string param = GetParam();
  const size_t space = param.find(' ');
  std::string whole = make_clip(dir, "whole." + param.substr(0, space), param.substr(space + 1));
  std::string cut = dir.file("cut." + param.substr(0, space));
  copy_prefix(whole, cut, 0.6);
  auto src = open_ffmpeg_source(cut, {});
  if (!src.ok()) {
    expect_error_naming(src.status(), cut, {ErrorCode::kCorruptData});
    return;
  }
  int64_t count = (*src)->info().frame_count;
  ASSERT_GT(count, 0);
  EXPECT_TRUE((*src)->read_frame(0).ok());
  if (count < 48) {
    // Containers without an up-front length (NUT measures itself from the file's end) make a
    // cut clip look like a shorter whole one: then every frame it claims must decode.
    for (int64_t i = 0; i < count; ++i) EXPECT_TRUE((*src)->read_frame(i).ok()) << i;
    return;
  }
  Status late = (*src)->read_frame(count - 1).status();
  expect_error_naming(late, cut, {ErrorCode::kCorruptData});
  EXPECT_NE(late.message().find("frame " + std::to_string(count - 1)), std::string::npos)
      << late.message();
  // And sequentially, from the start: frames until the cut, then the same error.
  auto again = open_ffmpeg_source(cut, {});
  ASSERT_TRUE(again.ok());
  int64_t good = 0;
  Status first_error;
  for (int64_t i = 0; i < count; ++i) {
    auto f = (*again)->read_frame(i);
    if (!f.ok()) {
      first_error = f.status();
      break;
    }
    ++good;
  }
  EXPECT_GT(good, 0);
  EXPECT_LT(good, count);
  EXPECT_EQ(first_error.code(), ErrorCode::kCorruptData) << first_error.to_string();
}

INSTANTIATE_TEST_SUITE_P(Containers, Truncated,
                         ::testing::Values("avi -c:v mjpeg", "mkv -c:v ffv1", "mkv -c:v libx264",
                                           "mp4 -c:v libx264", "mov -c:v prores_ks",
                                           "nut -c:v rawvideo"));

class Flipped : public ::testing::TestWithParam<const char*> {};

// Garbage in the middle of a clip: any mix of frames and errors, but no crash (ASan runs this).
TEST_P(Flipped, NeverCrashes) {
  test::TempDir dir;
  const std::string param = GetParam();
  const size_t space = param.find(' ');
  std::string path = make_clip(dir, "flip." + param.substr(0, space), param.substr(space + 1));
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    auto size = int64_t(f.tellg());
    for (int64_t pos = size * 2 / 5; pos < size * 3 / 5; pos += 97) {
      f.seekg(pos);
      char c = 0;
      f.read(&c, 1);
      f.seekp(pos);
      c = char(~c);
      f.write(&c, 1);
    }
  }
  auto src = open_ffmpeg_source(path, {});
  if (!src.ok()) {
    expect_error_naming(src.status(), path, {ErrorCode::kCorruptData, ErrorCode::kUnsupported});
    return;
  }
  int64_t count = std::max<int64_t>((*src)->info().frame_count, 48);
  for (int64_t i = 0; i < count; ++i) {
    auto f = (*src)->read_frame(i);
    if (!f.ok())
      EXPECT_NE(f.status().message().find(path), std::string::npos);
    else
      EXPECT_EQ(f->width(), 320);
  }
  for (int64_t i : {40, 3, 25, 47, 0}) (void)(*src)->read_frame(i);
}

INSTANTIATE_TEST_SUITE_P(Containers, Flipped,
                         ::testing::Values("avi -c:v mjpeg", "mkv -c:v ffv1", "mp4 -c:v libx264",
                                           "mov -c:v prores_ks", "ts -c:v mpeg2video"));

}  // namespace
}  // namespace fl::io
