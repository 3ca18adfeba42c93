// The hand-written Y'CbCr <-> 16-bit RGB converter (io/ffmpeg/ycbcr.h) against the formulas, and
// against swscale's accurate mode on real footage.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <vector>

#include "io/ffmpeg/ffmpeg_convert.h"
#include "io/ffmpeg/ffmpeg_io.h"
#include "io/ffmpeg/ycbcr.h"
#include "test_support.h"

namespace fl::io::ff {
namespace {

struct Planes {
  std::vector<uint16_t> y, cb, cr;
  YcbcrPlanes view(int w, int h, int cw) {
    YcbcrPlanes p;
    p.width = w, p.height = h;
    p.data[0] = reinterpret_cast<uint8_t*>(y.data());
    p.data[1] = reinterpret_cast<uint8_t*>(cb.data());
    p.data[2] = reinterpret_cast<uint8_t*>(cr.data());
    p.stride[0] = w * 2, p.stride[1] = p.stride[2] = cw * 2;
    return p;
  }
};

// rgb -> Y'CbCr planes -> rgb, row by row; returns what came back.
std::vector<uint16_t> round_trip(const YcbcrFormat& f, int w, int h,
                                 const std::vector<uint16_t>& rgb) {
  const int cw = (w + (1 << f.chroma_shift_x) - 1) >> f.chroma_shift_x;
  Planes p{std::vector<uint16_t>(size_t(w) * h), std::vector<uint16_t>(size_t(cw) * h),
           std::vector<uint16_t>(size_t(cw) * h)};
  const YcbcrPlanes view = p.view(w, h, cw);
  YcbcrRows rows(f, w, h);
  std::vector<uint16_t> back(rgb.size());
  for (int y = 0; y < h; ++y) rows.from_rgb48(rgb.data() + size_t(y) * w * 3, view, y);
  for (int y = 0; y < h; ++y) rows.to_rgb48(view, y, back.data() + size_t(y) * w * 3);
  return back;
}

// Double-precision BT.709 limited-range decode of one 10-bit sample triple to 16-bit RGB.
std::array<double, 3> reference_rgb(int y, int cb, int cr) {
  const double kr = 0.2126, kb = 0.0722, kg = 1 - kr - kb;
  const double l = (y - 64) / 876.0, u = (cb - 512) / 896.0, v = (cr - 512) / 896.0;
  const double r = l + 2 * (1 - kr) * v, b = l + 2 * (1 - kb) * u,
               g = l - 2 * kb * (1 - kb) / kg * u - 2 * kr * (1 - kr) / kg * v;
  auto q = [](double x) { return std::clamp(std::floor(x * 65535 + 0.5), 0.0, 65535.0); };
  return {q(r), q(g), q(b)};
}

TEST(Ycbcr, FourFourFourMatchesTheMatrixExactly) {
  const int w = 257, h = 9;
  Planes p{std::vector<uint16_t>(size_t(w) * h), std::vector<uint16_t>(size_t(w) * h),
           std::vector<uint16_t>(size_t(w) * h)};
  std::mt19937 rng(3);
  for (size_t i = 0; i < p.y.size(); ++i)
    p.y[i] = uint16_t(rng() % 1024), p.cb[i] = uint16_t(rng() % 1024),
    p.cr[i] = uint16_t(rng() % 1024);
  YcbcrFormat f;
  f.depth = 10;
  YcbcrRows rows(f, w, h);
  std::vector<uint16_t> rgb(size_t(w) * 3);
  const YcbcrPlanes view = p.view(w, h, w);
  double worst = 0;
  for (int y = 0; y < h; ++y) {
    rows.to_rgb48(view, y, rgb.data());
    for (int x = 0; x < w; ++x) {
      size_t i = size_t(y) * w + x;
      auto ref = reference_rgb(p.y[i], p.cb[i], p.cr[i]);
      for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(rgb[3 * x + c] - ref[c]));
    }
  }
  EXPECT_LE(worst, 1.0);  // float vs double rounding of values on a .5 boundary
}

TEST(Ycbcr, RoundTripsThroughSixteenBitFourFourFour) {
  const int w = 300, h = 4;
  std::vector<uint16_t> rgb(size_t(w) * h * 3);
  std::mt19937 rng(5);
  for (auto& v : rgb) v = uint16_t(rng());
  YcbcrFormat f;
  f.depth = 16;
  f.full_range = true;
  const std::vector<uint16_t> back = round_trip(f, w, h, rgb);
  int worst = 0;
  for (size_t i = 0; i < rgb.size(); ++i)
    if (rgb[i] > 2000 && rgb[i] < 63000)  // saturated corners of the cube clip in Y'CbCr
      worst = std::max(worst, std::abs(int(rgb[i]) - int(back[i])));
  EXPECT_LE(worst, 3);
}

// Smooth content (what chroma subsampling assumes) survives 4:2:2 10-bit almost untouched, and a
// co-sited chroma sample comes back exactly at the even columns.
TEST(Ycbcr, FourTwoTwoOnSmoothContent) {
  const int w = 640, h = 8;
  std::vector<uint16_t> rgb(size_t(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double t = x / double(w);
      uint16_t* px = &rgb[(size_t(y) * w + x) * 3];
      px[0] = uint16_t(65535 * (0.5 + 0.4 * std::sin(6.28 * 3 * t)));
      px[1] = uint16_t(65535 * (0.2 + 0.6 * t));
      px[2] = uint16_t(65535 * (0.5 + 0.3 * std::cos(6.28 * 2 * t + y)));
    }
  YcbcrFormat f;
  f.depth = 10;
  f.chroma_shift_x = 1;
  const std::vector<uint16_t> back = round_trip(f, w, h, rgb);
  double mse = 0;
  for (size_t i = 0; i < rgb.size(); ++i) {
    double d = (double(rgb[i]) - double(back[i])) / 65535.0;
    mse += d * d;
  }
  const double psnr = 10 * std::log10(1.0 / (mse / double(rgb.size())));
  std::printf("4:2:2 10-bit round trip of smooth content: %.1f dB\n", psnr);
  EXPECT_GT(psnr, 55.0);
}

// Real footage (Megamind, 4:2:0, chroma sited "left"): our converter against swscale in its
// accurate mode (bicubic, full chroma interpolation, accurate rounding).
TEST(Ycbcr, AgreesWithSwscaleOnRealFootage) {
  test::TempDir dir;
  const std::string raw = dir.file("frame.yuv");
  ASSERT_EQ(test::ffmpeg(
                "-i " + test::opencv_data("Megamind.avi") +
                " -an -vf \"select=eq(n\\,60)\" -frames:v 1 -f rawvideo -pix_fmt yuv420p " + raw),
            0);
  auto info = probe_ffmpeg(test::opencv_data("Megamind.avi"));
  ASSERT_TRUE(info.ok());
  FramePtr frame(av_frame_alloc());
  frame->format = AV_PIX_FMT_YUV420P, frame->width = info->width, frame->height = info->height;
  frame->colorspace = AVCOL_SPC_UNSPECIFIED, frame->color_range = AVCOL_RANGE_MPEG;
  ASSERT_EQ(av_frame_get_buffer(frame.get(), 0), 0);
  {
    std::ifstream f(raw, std::ios::binary);
    for (int p = 0; p < 3; ++p) {
      const int w = p ? (frame->width + 1) / 2 : frame->width;
      const int h = p ? (frame->height + 1) / 2 : frame->height;
      for (int y = 0; y < h; ++y)
        f.read(reinterpret_cast<char*>(frame->data[p] + size_t(y) * frame->linesize[p]), w);
    }
    ASSERT_TRUE(f.good());
  }
  frame->chroma_location = AVCHROMA_LOC_LEFT;  // as the source stream says (rawvideo drops it)

  FrameToRgb48 ours;
  auto a = ours.convert(frame.get());
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  // The reference: swscale through the RGBA64 path the float decoder uses for other formats.
  FrameToImage float_path(colour::Transfer::kLinear);
  // swscale does it when the layout is not one of ours: repack the planes as NV12 (lossless).
  FramePtr nv12(av_frame_alloc());
  nv12->format = AV_PIX_FMT_NV12, nv12->width = frame->width, nv12->height = frame->height;
  nv12->colorspace = frame->colorspace, nv12->color_range = frame->color_range;
  ASSERT_EQ(av_frame_get_buffer(nv12.get(), 0), 0);
  for (int y = 0; y < frame->height; ++y)
    std::memcpy(nv12->data[0] + size_t(y) * nv12->linesize[0],
                frame->data[0] + size_t(y) * frame->linesize[0], size_t(frame->width));
  for (int y = 0; y < (frame->height + 1) / 2; ++y)
    for (int x = 0; x < (frame->width + 1) / 2; ++x) {
      nv12->data[1][size_t(y) * nv12->linesize[1] + 2 * x] =
          frame->data[1][size_t(y) * frame->linesize[1] + x];
      nv12->data[1][size_t(y) * nv12->linesize[1] + 2 * x + 1] =
          frame->data[2][size_t(y) * frame->linesize[2] + x];
    }
  auto b = float_path.convert(nv12.get());  // linear transfer: values are the 16-bit codes / 65535
  ASSERT_TRUE(b.ok());
  double mse = 0;
  for (int y = 0; y < a->height(); ++y)
    for (int x = 0; x < a->width(); ++x)
      for (int c = 0; c < 3; ++c) {
        double d = a->row(y)[3 * x + c] / 65535.0 - double(b->row(y)[4 * x + c]);
        mse += d * d;
      }
  const double psnr = 10 * std::log10(1.0 / (mse / (3.0 * double(a->pixel_count()))));
  std::printf("ours vs swscale (accurate) on Megamind frame 60: %.1f dB\n", psnr);
  EXPECT_GT(psnr, 45.0);
}

}  // namespace
}  // namespace fl::io::ff
