// Golden tests: our LUT kernels against FFmpeg's lut3d filter on 16-bit RGB (rgb48le), with the
// same .cube file read by both. FFmpeg truncates to 16 bits where we round, so a difference of
// 1 code value is expected; the contract is at most 16 (of 65535).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <vector>

#include "colour/cube_file.h"
#include "colour/lut_rgb48.h"
#include "grade_fixture.h"
#include "test_support.h"

namespace fl::colour {
namespace {

constexpr int kMaxError = 16;

std::vector<uint16_t> read_raw(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<uint16_t> px(bytes.size() / 2);
  for (size_t i = 0; i < px.size(); ++i) {
    px[i] = uint16_t(uint8_t(bytes[2 * i]) | (uint8_t(bytes[2 * i + 1]) << 8));  // little endian
  }
  return px;
}

void write_raw(const std::string& path, const std::vector<uint16_t>& px) {
  std::ofstream f(path, std::ios::binary);
  for (uint16_t v : px) {
    char b[2] = {char(v & 0xff), char(v >> 8)};
    f.write(b, 2);
  }
}

struct Golden {
  std::vector<uint16_t> in, ffmpeg_out;
};

// A 256x256 rgb48le frame run through `ffmpeg -vf lut3d=file=<cube>:interp=<interp>`.
Golden run_ffmpeg(const test::TempDir& dir, const std::string& source, const std::string& interp) {
  Golden g;
  std::string in = dir.file("in-" + source + ".raw");
  if (source == "testsrc2") {
    EXPECT_EQ(
        test::ffmpeg("-f lavfi -i testsrc2=size=256x256 -frames:v 1 -pix_fmt rgb48le -f rawvideo " +
                     in),
        0);
  } else {
    // Every 16-bit value on every channel, in three unrelated orders.
    std::vector<uint16_t> px(65536 * 3);
    for (uint32_t i = 0; i < 65536; ++i) {
      px[3 * i] = uint16_t(i);
      px[3 * i + 1] = uint16_t(i * 40503u + 17);
      px[3 * i + 2] = uint16_t(65535u - i * 12345u);
    }
    write_raw(in, px);
  }
  std::string out = dir.file("out-" + source + "-" + interp + ".raw");
  EXPECT_EQ(test::ffmpeg("-f rawvideo -pix_fmt rgb48le -s 256x256 -i " + in +
                         " -vf lut3d=file=" + dir.file("grade.cube") + ":interp=" + interp +
                         " -f rawvideo -pix_fmt rgb48le " + out),
            0);
  g.in = read_raw(in);
  g.ffmpeg_out = read_raw(out);
  EXPECT_EQ(g.in.size(), size_t(256 * 256 * 3));
  EXPECT_EQ(g.ffmpeg_out.size(), g.in.size());
  return g;
}

int max_error(const std::vector<uint16_t>& a, const std::vector<uint16_t>& b) {
  int worst = a.size() == b.size() ? 0 : 65535;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::abs(int(a[i]) - int(b[i])));
  return worst;
}

class LutVsFfmpeg : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    CubeFile cube;
    cube.title = "framelock strong grade";
    cube.lut3d = fixture::strong_grade_lut(33);
    ASSERT_TRUE(write_cube(OutputPipeline::plain(), {dir_.file("grade.cube")}, cube).ok());
    // The file is what both sides read, so compare against what we read back.
    auto back = read_cube_file(dir_.file("grade.cube"));
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    lut_ = *back->lut3d;
  }
  test::TempDir dir_;
  Lut3D lut_;
};

TEST_P(LutVsFfmpeg, Rgb48KernelTetrahedral) {
  Golden g = run_ffmpeg(dir_, GetParam(), "tetrahedral");
  auto prepared = prepare_lut3d(lut_, Interp::kTetrahedral);
  ASSERT_TRUE(prepared.ok());
  std::vector<uint16_t> ours(g.in.size());
  apply_lut3d_rgb48(*prepared, g.in.data(), ours.data(), g.in.size() / 3);
  int err = max_error(ours, g.ffmpeg_out);
  RecordProperty("max_error", err);
  EXPECT_LE(err, kMaxError);
  EXPECT_LE(err, 2) << "expected rounding-level agreement";
  EXPECT_GT(max_error(g.in, g.ffmpeg_out), 1000) << "the grade should be far from identity";
}

TEST_P(LutVsFfmpeg, Rgb48KernelTrilinear) {
  Golden g = run_ffmpeg(dir_, GetParam(), "trilinear");
  auto prepared = prepare_lut3d(lut_, Interp::kTrilinear);
  ASSERT_TRUE(prepared.ok());
  std::vector<uint16_t> ours(g.in.size());
  apply_lut3d_rgb48(*prepared, g.in.data(), ours.data(), g.in.size() / 3);
  EXPECT_LE(max_error(ours, g.ffmpeg_out), 2);
}

TEST_P(LutVsFfmpeg, FloatKernelBothInterpolations) {
  for (const char* name : {"tetrahedral", "trilinear"}) {
    Golden g = run_ffmpeg(dir_, GetParam(), name);
    const size_t n = g.in.size() / 3;
    std::vector<float> rgba(4 * n);
    for (size_t i = 0; i < n; ++i) {
      for (size_t c = 0; c < 3; ++c) rgba[4 * i + c] = float(g.in[3 * i + c]) * (1.0f / 65535.0f);
      rgba[4 * i + 3] = 1.0f;
    }
    apply_lut3d(lut_, std::string(name) == "trilinear" ? Interp::kTrilinear : Interp::kTetrahedral,
                rgba.data(), n);
    std::vector<uint16_t> ours(g.in.size());
    for (size_t i = 0; i < n; ++i) {
      for (size_t c = 0; c < 3; ++c) {
        ours[3 * i + c] = uint16_t(std::lround(std::clamp(rgba[4 * i + c], 0.0f, 1.0f) * 65535.0f));
      }
    }
    EXPECT_LE(max_error(ours, g.ffmpeg_out), 2) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Sources, LutVsFfmpeg, ::testing::Values("testsrc2", "gradient"));

}  // namespace
}  // namespace fl::colour
