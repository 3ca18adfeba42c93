// Scene extension on real footage: a 4:3 window pans across vtest.avi (a simulated camera
// move), is extended to 16:9, and the extension is scored against the wider window that the
// camera would have seen: where neighbouring frames saw it (borrowed) and beyond (synthesised),
// beside edge replication and OpenCV's Telea over the same pixels.
#include <gtest/gtest.h>

#include <cstdio>
#include <opencv2/photo.hpp>

#include "inpaint/extend.h"
#include "removal_cases.h"

namespace fl::inpaint {
namespace {

// A 4:3 window over the plaza's lawn (no one walks there, so what lies beyond the edge at this
// instant is what the neighbouring frames saw) panning right; 16:9 adds 64 px each side.
constexpr int kW = 256, kH = 192, kPad = 43;
constexpr double kPan = 4.8;  // px a frame: frames 8 either side saw 38 px beyond each edge

// Frame i of the camera: a window `extra` px wider each side than the 4:3 one.
Image window(const Image& world, int i, int extra) {
  Image out(kW + 2 * extra, kH);
  cv::Mat from(world.height(), world.width(), CV_32FC4, const_cast<float*>(world.data()));
  cv::Mat to(out.height(), out.width(), CV_32FC4, out.data());
  const cv::Matx23d m(1, 0, 120 - extra + kPan * i, 0, 1, 378);
  cv::warpAffine(from, to, m, to.size(), cv::INTER_CUBIC | cv::WARP_INVERSE_MAP,
                 cv::BORDER_REFLECT);
  return out;
}

double psnr_cols(const Image& a, const Image& b, int x0, int x1) {
  double se = 0;
  int64_t n = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = x0; x < x1; ++x)
      for (int c = 0; c < 3; ++c) {
        const double d = encode(a.at(x, y)[c]) - encode(b.at(x, y)[c]);
        se += d * d;
        ++n;
      }
  return se == 0 ? 99 : 10 * std::log10(double(n) / se);
}

// Both pads' columns: [0, kPad) and [kPad + kW, kW + 2 kPad), within `from`..`to` of the edge.
double psnr_pads(const Image& a, const Image& b, int from, int to) {
  return 0.5 * (psnr_cols(a, b, kPad - to, kPad - from) +
                psnr_cols(a, b, kPad + kW + from, kPad + kW + to));
}

Image replicate_edges(const Image& frame) {
  Image out(kW + 2 * kPad, kH);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < out.width(); ++x)
      std::copy_n(frame.at(std::clamp(x - kPad, 0, kW - 1), y), 4, out.at(x, y));
  return out;
}

Image telea_pads(const Image& frame) {
  cv::Mat3b bgr(kH, kW + 2 * kPad, cv::Vec3b(0, 0, 0));
  cv::Mat1b mask(bgr.size(), uchar(255));
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) {
      const float* p = frame.at(x, y);
      bgr(y, x + kPad) = cv::Vec3b(cv::saturate_cast<uchar>(encode(p[2]) * 255),
                                   cv::saturate_cast<uchar>(encode(p[1]) * 255),
                                   cv::saturate_cast<uchar>(encode(p[0]) * 255));
      mask(y, x + kPad) = 0;
    }
  cv::Mat3b filled;
  cv::inpaint(bgr, mask, filled, 3, cv::INPAINT_TELEA);
  static const auto& curve = colour::TransferCurve::get(colour::Transfer::kBt709);
  Image out(bgr.cols, bgr.rows);
  for (int y = 0; y < out.height(); ++y)
    for (int x = 0; x < out.width(); ++x) {
      float* p = out.at(x, y);
      for (int c = 0; c < 3; ++c) p[c] = curve.to_linear(filled(y, x)[2 - c] / 255.0f);
      p[3] = 1;
    }
  return out;
}

TEST(ExtendQuality, APanningShotIsWidenedFromWhatItsNeighboursSaw) {
  auto src = io::open_source(test::opencv_data("vtest.avi"));
  ASSERT_TRUE(src.ok());
  const int count = 21, t = 10;
  std::vector<Image> frames;
  Image truth;
  for (int i = 0; i < count; ++i) {
    auto world = (*src)->read_frame(200 + i);
    ASSERT_TRUE(world.ok());
    frames.push_back(window(*world, i, 0));
    if (i == t) truth = window(*world, i, kPad);
  }
  std::vector<MaskedFrame> nbs;
  for (int dt = -8; dt <= 8; ++dt)
    if (dt != 0) nbs.push_back({&frames[size_t(t + dt)], nullptr, dt});
  FillReport report;
  auto wide = extend_frame(frames[size_t(t)], nbs, {kPad, kPad, 0, 0}, {}, &report);
  ASSERT_TRUE(wide.ok()) << wide.status().message();
  ASSERT_EQ(wide->width(), kW + 2 * kPad);
  ASSERT_EQ(wide->height(), kH);
  // The frame itself is untouched beyond the seam's feather.
  EXPECT_GT(psnr_cols(*wide, truth, kPad + 8, kPad + kW - 8), 90.0);

  const double borrowed = psnr_pads(*wide, truth, 0, 36);
  const double beyond = psnr_pads(*wide, truth, 39, kPad);
  const Image rep = replicate_edges(frames[size_t(t)]), tel = telea_pads(frames[size_t(t)]);
  std::printf(
      "vtest, 4:3 -> 16:9 under a 4.8 px/frame pan: borrowed %.2f dB (edge replication %.2f, "
      "Telea %.2f); beyond what any frame saw %.2f dB (replication %.2f, Telea %.2f); %.0f%% "
      "borrowed\n",
      borrowed, psnr_pads(rep, truth, 0, 36), psnr_pads(tel, truth, 0, 36), beyond,
      psnr_pads(rep, truth, 39, kPad), psnr_pads(tel, truth, 39, kPad),
      100.0 * double(report.propagated) / double(report.hole_pixels));
  EXPECT_GE(borrowed, 30.0);
  EXPECT_GE(borrowed, psnr_pads(tel, truth, 0, 36) + 10.0);
  EXPECT_GT(report.synthesised, 0);
}

TEST(ExtendQuality, BadPaddingIsRefused) {
  Image f(32, 24);
  f.fill(0.2f, 0.3f, 0.4f, 1);
  EXPECT_FALSE(extend_frame(f, {}, {-1, 0, 0, 0}, {}).ok());
  auto same = extend_frame(f, {}, {}, {});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->width(), 32);
}

}  // namespace
}  // namespace fl::inpaint
