// FFmpeg and OpenImageIO live in modules loaded when media is first opened (core/module_loader.h):
// a process that opens none never maps their libraries, and one that does finds them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/buffer_pool.h"
#include "core/module_loader.h"
#include "io/frame_source.h"
#include "io/oiio/still_encode.h"
#include "test_support.h"

namespace fl::io {
namespace {

using ::testing::HasSubstr;

bool mapped(const std::string& library) {
  std::ifstream maps("/proc/self/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str().find(library) != std::string::npos;
}

TEST(MediaModules, FfmpegIsMappedOnlyOnceAClipIsOpened) {
  // ctest runs each test in its own process; a whole-binary run may have opened media already.
  if (mapped("libavcodec.so")) GTEST_SKIP() << "an earlier test in this process opened a clip";
  test::TempDir dir;
  const std::string clip = dir.file("hd.mkv");
  // ffmpeg the command, in a child process: this one has not loaded libavcodec yet.
  ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc2=s=1920x1080:r=24:d=0.25 -c:v ffv1 " + clip), 0);
  EXPECT_FALSE(mapped("framelock_ffmpeg.so"));
  auto source = open_source(clip, {});
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_TRUE(mapped("framelock_ffmpeg.so"));
  EXPECT_TRUE(mapped("libavcodec.so"));
  const core::PoolStats before = core::pixel_pool_stats();
  auto frame = (*source)->read_frame(3);
  ASSERT_TRUE(frame.ok()) << frame.status().message();
  EXPECT_EQ(frame->width(), 1920);
  // The module's 1080p float frames (33 MB, over the pooling threshold) come from this
  // process's pool, not from a second pool inside the module.
  const core::PoolStats after = core::pixel_pool_stats();
  EXPECT_GT(after.allocated + after.reused, before.allocated + before.reused);
  EXPECT_FALSE(mapped("libOpenImageIO.so"));
}

TEST(MediaModules, OpenImageIoIsMappedOnlyOnceAnImageIsUsed) {
  if (mapped("libOpenImageIO.so")) GTEST_SKIP() << "an earlier test in this process used an image";
  const uint8_t rgb[2 * 2 * 3] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
  auto png = encode_still(rgb, 2, 2, {});
  ASSERT_TRUE(png.ok()) << png.status().message();
  EXPECT_EQ(png->substr(1, 3), "PNG");
  EXPECT_TRUE(mapped("framelock_oiio.so"));
  EXPECT_TRUE(mapped("libOpenImageIO.so"));
}

TEST(MediaModules, AMissingModuleNamesItselfAndWhereItWasLookedFor) {
  auto table = load_module_table("framelock_absent.so", "framelock_absent_module", "testing");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), ErrorCode::kInternal);
  EXPECT_THAT(table.status().message(), HasSubstr("testing needs framelock's module "
                                                  "framelock_absent.so, which is not installed"));
  EXPECT_THAT(table.status().message(), HasSubstr("lib/framelock"));
  EXPECT_THAT(table.status().message(), HasSubstr("./scripts/build.sh"));
}

TEST(MediaModules, ALibraryThatIsNoModuleIsRefused) {
  test::TempDir dir;
  // Any shared object without the entry point: the C library's math library will do.
  std::filesystem::copy_file("/lib/x86_64-linux-gnu/libm.so.6", dir.file("framelock_fake.so"));
  ::setenv("FRAMELOCK_MODULE_DIR", dir.path().c_str(), 1);
  auto table = load_module_table("framelock_fake.so", "framelock_fake_module", "testing");
  ::unsetenv("FRAMELOCK_MODULE_DIR");
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(table.status().message(), HasSubstr("has no framelock_fake_module(): not a "
                                                  "framelock module"));
}

}  // namespace
}  // namespace fl::io
