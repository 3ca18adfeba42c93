// A synthetic clip for the API tests, made with the ffmpeg command: these tests see only the
// installed API (libframelock.so and include/framelock/), not the engine's test helpers.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace api_test {

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("framelock_api_test_" + std::to_string(::getpid())));
    std::filesystem::create_directories(*dir_);
    // 96x54, 10 frames at 24 fps: small enough to render many times.
    const std::string cmd =
        "ffmpeg -nostdin -y -hide_banner -loglevel error -f lavfi -i "
        "testsrc2=size=96x54:rate=24 -frames:v 10 -c:v ffv1 -pix_fmt yuv444p '" +
        clip() + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    std::filesystem::remove_all(*dir_, ec);
    delete dir_;
    dir_ = nullptr;
  }
  static std::string clip() { return (*dir_ / "clip.mkv").string(); }
  static std::string file(const std::string& name) { return (*dir_ / name).string(); }

 private:
  static inline std::filesystem::path* dir_ = nullptr;
};

}  // namespace api_test
