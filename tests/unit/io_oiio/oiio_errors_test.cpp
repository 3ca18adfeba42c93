// Failures that must name the file, and the temp-file + rename rule of the sink.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "io/oiio/oiio_io.h"
#include "test_support.h"

namespace fl::io {
namespace {

namespace fs = std::filesystem;

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

Status write_still(const std::string& path, const Image& img, SinkOptions o = {}) {
  auto sink = open_image_sink(path, o);
  if (!sink.ok()) return sink.status();
  FL_RETURN_IF_ERROR((*sink)->write(img));
  return (*sink)->finish();
}

void truncate_half(const std::string& path) {
  auto size = fs::file_size(path);
  fs::resize_file(path, size / 2);
}

int count_files(const fs::path& dir) {
  return int(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

#define EXPECT_ERROR_NAMING(result, code_, name)                                   \
  do {                                                                             \
    ASSERT_FALSE((result).ok());                                                   \
    EXPECT_EQ((result).status().code(), (code_)) << (result).status().to_string(); \
    EXPECT_NE((result).status().message().find(name), std::string::npos)           \
        << (result).status().message();                                            \
  } while (0)

TEST(OiioErrors, MissingFileAndSequence) {
  test::TempDir dir;
  auto a = open_image_source(dir.file("nope.exr"), {});
  EXPECT_ERROR_NAMING(a, ErrorCode::kNotFound, "nope.exr");
  auto b = probe_image(dir.file("nope.%04d.exr"));
  EXPECT_ERROR_NAMING(b, ErrorCode::kNotFound, "nope.%04d.exr");
  auto c = open_image_source(dir.file("no_dir/x.%04d.exr"), {});
  EXPECT_ERROR_NAMING(c, ErrorCode::kNotFound, "no_dir");
}

TEST(OiioErrors, UnsupportedExtension) {
  test::TempDir dir;
  write_text(dir.file("x.bmp"), "BM");
  auto a = open_image_source(dir.file("x.bmp"), {});
  EXPECT_ERROR_NAMING(a, ErrorCode::kUnsupported, "x.bmp");
  auto b = open_image_sink(dir.file("out.gif"), {});
  EXPECT_ERROR_NAMING(b, ErrorCode::kUnsupported, "out.gif");
}

TEST(OiioErrors, TextFileNamedExrIsCorrupt) {
  test::TempDir dir;
  write_text(dir.file("fake.exr"), "this is not an image, just text\n");
  auto a = open_image_source(dir.file("fake.exr"), {});
  EXPECT_ERROR_NAMING(a, ErrorCode::kCorruptData, "fake.exr");
  auto b = probe_image(dir.file("fake.exr"));
  EXPECT_ERROR_NAMING(b, ErrorCode::kCorruptData, "fake.exr");
}

TEST(OiioErrors, TruncatedPngFailsAtOpen) {
  test::TempDir dir;
  SinkOptions o;
  o.transfer = colour::Transfer::kSrgb;
  ASSERT_TRUE(write_still(dir.file("cut.png"), test::make_pattern(128, 128, 1), o).ok());
  truncate_half(dir.file("cut.png"));
  auto a = open_image_source(dir.file("cut.png"), {});
  EXPECT_ERROR_NAMING(a, ErrorCode::kCorruptData, "cut.png");
}

TEST(OiioErrors, TruncatedFrameInSequenceFailsOnThatFrame) {
  test::TempDir dir;
  auto sink = open_image_sink(dir.file("s.%03d.exr"), {});
  ASSERT_TRUE(sink.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*sink)->write(test::make_pattern(64, 64, i)).ok());
  ASSERT_TRUE((*sink)->finish().ok());
  truncate_half(dir.file("s.002.exr"));
  auto src = open_image_source(dir.file("s.%03d.exr"), {});
  ASSERT_TRUE(src.ok()) << src.status().to_string();
  EXPECT_TRUE((*src)->read_frame(0).ok());
  auto bad = (*src)->read_frame(1);
  EXPECT_ERROR_NAMING(bad, ErrorCode::kCorruptData, "s.002.exr");
  EXPECT_TRUE((*src)->read_frame(2).ok());
}

TEST(OiioErrors, GapIsAnErrorOnlyForTheMissingFrame) {
  test::TempDir dir;
  auto sink = open_image_sink(dir.file("g.%04d.exr"), {});
  ASSERT_TRUE(sink.ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE((*sink)->write(test::make_pattern(8, 8, i)).ok());
  ASSERT_TRUE((*sink)->finish().ok());
  fs::remove(dir.file("g.0002.exr"));
  auto src = open_image_source(dir.file("g.%04d.exr"), {});
  ASSERT_TRUE(src.ok());
  EXPECT_EQ((*src)->info().frame_count, 4);
  EXPECT_TRUE((*src)->read_frame(0).ok());
  auto gap = (*src)->read_frame(1);
  EXPECT_ERROR_NAMING(gap, ErrorCode::kNotFound, "g.0002.exr");
  EXPECT_TRUE((*src)->read_frame(2).ok());
  EXPECT_TRUE((*src)->read_frame(3).ok());
}

TEST(OiioErrors, SizeMismatchInSequenceIsCorrupt) {
  test::TempDir dir;
  ASSERT_TRUE(write_still(dir.file("m.0001.exr"), test::make_pattern(32, 16)).ok());
  ASSERT_TRUE(write_still(dir.file("m.0002.exr"), test::make_pattern(16, 16)).ok());
  auto src = open_image_source(dir.file("m.####.exr"), {});
  ASSERT_TRUE(src.ok());
  EXPECT_EQ((*src)->info().width, 32);
  EXPECT_TRUE((*src)->read_frame(0).ok());
  auto bad = (*src)->read_frame(1);
  EXPECT_ERROR_NAMING(bad, ErrorCode::kCorruptData, "m.0002.exr");
}

TEST(OiioErrors, UnreadableFile) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores file permissions";
  test::TempDir dir;
  ASSERT_TRUE(write_still(dir.file("locked.exr"), test::make_pattern(8, 8)).ok());
  ::chmod(dir.file("locked.exr").c_str(), 0);
  auto a = open_image_source(dir.file("locked.exr"), {});
  EXPECT_ERROR_NAMING(a, ErrorCode::kPermissionDenied, "locked.exr");
  ::chmod(dir.file("locked.exr").c_str(), 0644);
}

TEST(OiioErrors, UnwritableDirectoryFailsAtOpen) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores file permissions";
  test::TempDir dir;
  fs::create_directory(dir.file("ro"));
  ::chmod(dir.file("ro").c_str(), 0555);
  auto a = open_image_sink(dir.file("ro/out.exr"), {});
  EXPECT_ERROR_NAMING(a, ErrorCode::kPermissionDenied, "out.exr");
  ::chmod(dir.file("ro").c_str(), 0755);
}

TEST(OiioErrors, MissingOutputDirectoryAndBadOptions) {
  test::TempDir dir;
  auto a = open_image_sink(dir.file("missing/out.%04d.exr"), {});
  EXPECT_ERROR_NAMING(a, ErrorCode::kNotFound, "missing");
  SinkOptions bad_pf;
  bad_pf.pixel_format = "yuv420p";
  auto b = open_image_sink(dir.file("out.exr"), bad_pf);
  EXPECT_ERROR_NAMING(b, ErrorCode::kInvalidArgument, "yuv420p");
  SinkOptions bad_codec;
  bad_codec.codec = "prores_ks";
  auto c = open_image_sink(dir.file("out.dpx"), bad_codec);
  EXPECT_ERROR_NAMING(c, ErrorCode::kInvalidArgument, "prores_ks");
  EXPECT_EQ(count_files(dir.path()), 0);
}

TEST(OiioSink, SingleImageAppearsOnlyAfterFinish) {
  test::TempDir dir;
  auto sink = open_image_sink(dir.file("final.exr"), {});
  ASSERT_TRUE(sink.ok());
  const std::string temp = (*sink)->temp_path();
  EXPECT_EQ(fs::path(temp).parent_path(), dir.path());
  EXPECT_EQ(fs::path(temp).extension(), ".exr");
  ASSERT_TRUE((*sink)->write(test::make_pattern(16, 8)).ok());
  EXPECT_TRUE(fs::exists(temp));
  EXPECT_FALSE(fs::exists(dir.file("final.exr")));
  auto second = (*sink)->write(test::make_pattern(16, 8));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(second.message().find("single-image output takes one frame; use a pattern like "
                                  "out.%04d.exr"),
            std::string::npos)
      << second.message();
  ASSERT_TRUE((*sink)->finish().ok());
  EXPECT_TRUE(fs::exists(dir.file("final.exr")));
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_EQ(count_files(dir.path()), 1);
  EXPECT_FALSE((*sink)->write(test::make_pattern(16, 8)).ok());
}

TEST(OiioSink, WrongFrameSizeIsRejected) {
  test::TempDir dir;
  SinkOptions o;
  o.width = 16;
  o.height = 8;
  auto sink = open_image_sink(dir.file("s.exr"), o);
  ASSERT_TRUE(sink.ok());
  EXPECT_EQ((*sink)->write(test::make_pattern(8, 8)).code(), ErrorCode::kInvalidArgument);
  Image moved = test::make_pattern(16, 8);
  moved.set_origin(1, 0);
  EXPECT_EQ((*sink)->write(moved).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ((*sink)->finish().code(), ErrorCode::kInvalidArgument);  // nothing written
}

TEST(OiioSink, AbortRemovesTempAndWrittenFrames) {
  test::TempDir dir;
  write_text(dir.file("keep.txt"), "not ours");
  auto sink = open_image_sink(dir.file("r.%04d.tif"), {});
  ASSERT_TRUE(sink.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*sink)->write(test::make_pattern(16, 16, i)).ok());
  EXPECT_TRUE(fs::exists(dir.file("r.0001.tif")));
  EXPECT_TRUE(fs::exists(dir.file("r.0003.tif")));
  (*sink)->abort();
  EXPECT_EQ(count_files(dir.path()), 1);
  EXPECT_TRUE(fs::exists(dir.file("keep.txt")));
  EXPECT_FALSE((*sink)->write(test::make_pattern(16, 16)).ok());
  EXPECT_FALSE((*sink)->finish().ok());
}

TEST(OiioSink, DestructorWithoutFinishCleansUp) {
  test::TempDir dir;
  {
    auto single = open_image_sink(dir.file("one.png"), {});
    ASSERT_TRUE(single.ok());
    ASSERT_TRUE((*single)->write(test::make_pattern(16, 16)).ok());
    EXPECT_TRUE(fs::exists((*single)->temp_path()));
    auto seq = open_image_sink(dir.file("seq.%02d.dpx"), {});
    ASSERT_TRUE(seq.ok());
    ASSERT_TRUE((*seq)->write(test::make_pattern(16, 16)).ok());
    EXPECT_TRUE(fs::exists(dir.file("seq.01.dpx")));
  }
  EXPECT_EQ(count_files(dir.path()), 0);
}

TEST(OiioSink, FinishedOutputSurvivesDestruction) {
  test::TempDir dir;
  {
    auto seq = open_image_sink(dir.file("keep.%04d.exr"), {});
    ASSERT_TRUE(seq.ok());
    ASSERT_TRUE((*seq)->write(test::make_pattern(8, 8)).ok());
    ASSERT_TRUE((*seq)->finish().ok());
    (*seq)->abort();  // too late: a finished render stays
  }
  EXPECT_TRUE(fs::exists(dir.file("keep.0001.exr")));
  EXPECT_EQ(count_files(dir.path()), 1);
}

}  // namespace
}  // namespace fl::io
