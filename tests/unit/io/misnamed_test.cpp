// Files whose extension lies about their content: a still named like a clip is told apart by
// its first bytes, and the message says what it is instead of a frame range that cannot fit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "io/frame_source.h"
#include "test_support.h"

namespace fl::io {
namespace {

using ::testing::HasSubstr;

TEST(MisnamedMedia, AJpegNamedMovSaysItIsAJpeg) {
  test::TempDir dir;
  const std::string path = dir.file("shot.mov");
  std::filesystem::copy_file(test::opencv_data("baboon.jpg"), path);
  for (const Status& s : {probe(path).status(), open_source(path, {}).status()}) {
    EXPECT_EQ(s.code(), ErrorCode::kUnsupported);
    EXPECT_THAT(s.message(), HasSubstr("'" + path + "' is a JPEG image, not a clip"));
    EXPECT_THAT(s.message(), HasSubstr(".jpg"));
  }
}

TEST(MisnamedMedia, APngNamedMp4SaysItIsAPng) {
  test::TempDir dir;
  const std::string path = dir.file("shot.mp4");
  std::filesystem::copy_file(test::opencv_data("box.png"), path);
  EXPECT_THAT(probe(path).status().message(), HasSubstr("is a PNG image, not a clip"));
}

TEST(MisnamedMedia, RealClipsAreUntouched) {
  auto info = probe(test::opencv_data("Megamind.avi"));
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->frame_count, 270);
}

}  // namespace
}  // namespace fl::io
