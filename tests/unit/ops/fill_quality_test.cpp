// Object removal on real footage (vtest.avi, a locked-off camera over a plaza): a synthetic
// object moving across real frames is removed again, and the result is scored inside the mask
// against the untouched frames, beside OpenCV's Telea inpainting of the same holes (the issue's
// targets: >= 40 dB, and >= 15 dB above Telea). Scores are display-referred (Rec.709 encoded).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "colour/transfer.h"
#include "inpaint/shape_track.h"
#include "inpaint/temporal_fill.h"
#include "io/frame_source.h"
#include "test_support.h"

namespace fl::inpaint {
namespace {

struct Case {
  std::vector<Image> original, dirty;
  std::vector<std::vector<float>> holes;
  std::vector<Image> masks;  // the holes as mask images (coverage in every channel)
};

constexpr const char* kMovingObject = "0: rect 120 30 40 40; 100: rect 1020 30 40 40";
// A fixed blemish (dust on the sensor, a logo) on the building's windows, and one on the grass:
// with a locked-off camera nothing ever uncovers them.
constexpr const char* kBlemish = "rect 420 70 40 40";
constexpr const char* kBlemishOnGrass = "rect 330 400 40 40";

// A textured object on the track (by default 40x40, moving 9 px a frame across the top of the
// plaza). With `pan`, the frames are a 640x480 window moving over the footage (a camera pan and
// tilt of (pan, pan/3) px a frame), so the background moves too.
Case moving_object(int first, int count, double pan = 0, const char* shape = kMovingObject) {
  Case c;
  auto src = io::open_source(test::opencv_data("vtest.avi"));
  EXPECT_TRUE(src.ok()) << src.status().message();
  auto track = ShapeTrack::parse(shape);
  EXPECT_TRUE(track.ok());
  for (int i = 0; i < count; ++i) {
    auto f = (*src)->read_frame(first + i);
    EXPECT_TRUE(f.ok());
    if (pan != 0) {
      // Sub-pixel steps and a slow zoom: the frames are resampled, as a real camera's are.
      Image moved(Rect{0, 0, 640, 480});
      const double zoom = 1.0 + 0.002 * i;
      cv::Mat from(f->height(), f->width(), CV_32FC4, f->data());
      cv::Mat to(480, 640, CV_32FC4, moved.data());
      const cv::Matx23d m(zoom, 0, 8 + pan * i, 0, zoom, 8 + pan * i / 3);
      cv::warpAffine(from, to, m, to.size(), cv::INTER_CUBIC | cv::WARP_INVERSE_MAP,
                     cv::BORDER_REFLECT);
      *f = std::move(moved);
    }
    Image dirty(f->bounds());
    dirty.copy_from(*f);
    const Shape s = track->at(i);
    const int x0 = int(s.numbers[0]), y0 = int(s.numbers[1]);
    for (int y = y0; y < y0 + int(s.numbers[3]); ++y)
      for (int x = x0; x < x0 + int(s.numbers[2]) && x < dirty.width(); ++x) {
        float* p = dirty.at(x, y);
        const bool check = ((x - x0) / 8 + (y - y0) / 8) % 2;
        p[0] = check ? 0.9f : 0.05f;
        p[1] = 0.2f + 0.01f * float(x - x0);
        p[2] = check ? 0.1f : 0.7f;
      }
    RasterOptions o;
    o.dilate = 2;
    c.holes.push_back(rasterise(s, dirty.width(), dirty.height(), o));
    Image mask(dirty.bounds());
    for (size_t p = 0; p < mask.pixel_count(); ++p)
      std::fill_n(mask.data() + 4 * p, 4, c.holes.back()[p]);
    c.masks.push_back(std::move(mask));
    c.original.push_back(std::move(*f));
    c.dirty.push_back(std::move(dirty));
  }
  return c;
}

float encode(float v) {
  static const auto& curve = colour::TransferCurve::get(colour::Transfer::kBt709);
  return std::clamp(curve.to_encoded(std::clamp(v, 0.0f, 1.0f)), 0.0f, 1.0f);
}

// PSNR over RGB inside the hole (coverage >= 0.5), display-referred.
double psnr_in_mask(const Image& a, const Image& b, const std::vector<float>& hole) {
  double se = 0;
  int64_t n = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x) {
      if (hole[size_t(y) * size_t(a.width()) + size_t(x)] < 0.5f) continue;
      for (int c = 0; c < 3; ++c) {
        const double d = encode(a.at(x, y)[c]) - encode(b.at(x, y)[c]);
        se += d * d;
      }
      n += 3;
    }
  return n == 0 || se == 0 ? 99.0 : 10.0 * std::log10(double(n) / se);
}

// Mean frame-to-frame change inside the hole of `b`, display-referred: flicker.
double change_in_mask(const Image& a, const Image& b, const std::vector<float>& hole) {
  double sum = 0;
  int64_t n = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x) {
      if (hole[size_t(y) * size_t(a.width()) + size_t(x)] < 0.5f) continue;
      for (int c = 0; c < 3; ++c) sum += std::abs(encode(a.at(x, y)[c]) - encode(b.at(x, y)[c]));
      n += 3;
    }
  return n ? sum / double(n) : 0;
}

// The peer: OpenCV's Telea inpainting of the display-referred 8-bit frame.
Image telea(const Image& dirty, const std::vector<float>& hole) {
  cv::Mat3b bgr(dirty.height(), dirty.width());
  cv::Mat1b mask(dirty.height(), dirty.width());
  for (int y = 0; y < dirty.height(); ++y)
    for (int x = 0; x < dirty.width(); ++x) {
      const float* p = dirty.at(x, y);
      bgr(y, x) = cv::Vec3b(cv::saturate_cast<uchar>(encode(p[2]) * 255),
                            cv::saturate_cast<uchar>(encode(p[1]) * 255),
                            cv::saturate_cast<uchar>(encode(p[0]) * 255));
      mask(y, x) = hole[size_t(y) * size_t(dirty.width()) + size_t(x)] >= 0.01f ? 255 : 0;
    }
  cv::Mat3b out;
  cv::inpaint(bgr, mask, out, 3, cv::INPAINT_TELEA);
  static const auto& curve = colour::TransferCurve::get(colour::Transfer::kBt709);
  Image img(dirty.bounds());
  img.copy_from(dirty);
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) {
      float* p = img.at(x, y);
      for (int c = 0; c < 3; ++c) p[c] = curve.to_linear(out(y, x)[2 - c] / 255.0f);
    }
  return img;
}

// Texture kept inside the hole: mean gradient magnitude of `a` over the original's there
// (a diffusion's smooth smear scores near 0, a copy of the real background 1).
double texture_in_mask(const Image& a, const Image& original, const std::vector<float>& hole) {
  auto gradient = [&](const Image& img) {
    double sum = 0;
    for (int y = 1; y < img.height(); ++y)
      for (int x = 1; x < img.width(); ++x) {
        if (hole[size_t(y) * size_t(img.width()) + size_t(x)] < 0.5f) continue;
        const auto l = [&](int px, int py) {
          const float* p = img.at(px, py);
          return encode(0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2]);
        };
        sum += std::hypot(l(x, y) - l(x - 1, y), l(x, y) - l(x, y - 1));
      }
    return sum;
  };
  return gradient(a) / std::max(1e-9, gradient(original));
}

struct Scores {
  double ours = 0, peer = 0, flicker_ours = 0, flicker_original = 0;
  double texture_ours = 0, texture_peer = 0;
};

Scores remove(Case& c, int count, bool expect_propagated = true) {
  const int kWindow = 6;
  Scores r;
  double& ours = r.ours;
  double& peer = r.peer;
  double& flicker_ours = r.flicker_ours;
  double& flicker_original = r.flicker_original;
  int scored = 0;
  Image previous;
  for (int t = kWindow; t < count - kWindow; ++t) {
    std::vector<MaskedFrame> nbs;
    for (int dt = -kWindow; dt <= kWindow; ++dt)
      if (dt != 0) nbs.push_back({&c.dirty[size_t(t + dt)], &c.masks[size_t(t + dt)], dt});
    Image out(c.dirty[size_t(t)].bounds());
    FillReport report;
    const Status st =
        fill_from_neighbours({&c.dirty[size_t(t)], &c.masks[size_t(t)], 0}, nbs, {}, out, &report);
    EXPECT_TRUE(st.ok()) << st.to_string();
    if (expect_propagated)
      EXPECT_GT(report.propagated, report.hole_pixels * 9 / 10);
    else
      EXPECT_EQ(report.synthesised, report.hole_pixels);
    const Image& truth = c.original[size_t(t)];
    const auto& hole = c.holes[size_t(t)];
    const Image peer_out = telea(c.dirty[size_t(t)], hole);
    ours += psnr_in_mask(out, truth, hole);
    peer += psnr_in_mask(peer_out, truth, hole);
    r.texture_ours += texture_in_mask(out, truth, hole);
    r.texture_peer += texture_in_mask(peer_out, truth, hole);
    if (!previous.empty()) {
      flicker_ours += change_in_mask(previous, out, c.holes[size_t(t)]);
      flicker_original +=
          change_in_mask(c.original[size_t(t - 1)], c.original[size_t(t)], c.holes[size_t(t)]);
    }
    previous = std::move(out);
    ++scored;
  }
  ours /= scored;
  peer /= scored;
  r.texture_ours /= scored;
  r.texture_peer /= scored;
  flicker_ours /= scored - 1;
  flicker_original /= scored - 1;
  return r;
}

TEST(FillQuality, MovingObjectOnALockedOffCameraIsRemovedFromRealFootage) {
  Case c = moving_object(200, 24);
  const Scores s = remove(c, 24);
  std::printf(
      "vtest, moving 40x40 object, locked-off camera: fill %.2f dB, Telea %.2f dB in the "
      "mask; frame-to-frame change in the mask %.4f (original %.4f)\n",
      s.ours, s.peer, s.flicker_ours, s.flicker_original);
  // No flicker: the filled hole changes from frame to frame no more than the real footage did.
  EXPECT_LE(s.flicker_ours, 1.5 * s.flicker_original + 1e-3);
  EXPECT_GE(s.ours, 40.0);
  EXPECT_GE(s.ours - s.peer, 15.0);
}

TEST(FillQuality, MovingObjectUnderACameraMoveIsRemovedFromRealFootage) {
  Case c = moving_object(200, 24, 2.7);
  const Scores s = remove(c, 24);
  std::printf(
      "vtest, moving 40x40 object, camera panning 2.7 px/frame and zooming: fill %.2f dB, Telea "
      "%.2f dB "
      "in the mask; frame-to-frame change in the mask %.4f (original %.4f)\n",
      s.ours, s.peer, s.flicker_ours, s.flicker_original);
  EXPECT_LE(s.flicker_ours, 1.5 * s.flicker_original + 1e-3);
  EXPECT_GE(s.ours, 33.0);
  EXPECT_GE(s.ours - s.peer, 12.0);
}

TEST(FillQuality, FixedBlemishUnderACameraMoveIsUncoveredByTheMove) {
  Case c = moving_object(200, 24, 2.7, kBlemish);
  const Scores s = remove(c, 24);
  std::printf(
      "vtest, fixed 40x40 blemish, camera panning 2.7 px/frame and zooming: fill %.2f dB, Telea "
      "%.2f dB in the mask; frame-to-frame change in the mask %.4f (original %.4f)\n",
      s.ours, s.peer, s.flicker_ours, s.flicker_original);
  EXPECT_LE(s.flicker_ours, 1.5 * s.flicker_original + 1e-3);
  EXPECT_GE(s.ours, 33.0);
  EXPECT_GE(s.ours - s.peer, 12.0);
}

// Nothing ever uncovers a fixed blemish on a locked-off camera: every pixel is synthesised.
// Scored separately, as the issue asks: PSNR, how much of the real texture is kept, flicker.
TEST(FillQuality, NeverUncoveredStructureIsSynthesisedBetterThanTelea) {
  Case c = moving_object(200, 16, 0, kBlemish);
  const Scores s = remove(c, 16, false);
  std::printf(
      "vtest, fixed 40x40 blemish on the windows, locked-off camera (never uncovered): synthesis "
      "%.2f dB, Telea %.2f dB in the mask; texture kept %.2f (Telea %.2f); frame-to-frame change "
      "%.4f (original %.4f)\n",
      s.ours, s.peer, s.texture_ours, s.texture_peer, s.flicker_ours, s.flicker_original);
  EXPECT_GE(s.ours, s.peer + 2.0);
  EXPECT_LE(s.flicker_ours, 2.0 * s.flicker_original + 1e-3);
}

// On grass, a diffusion's smear scores well in PSNR (the texture is fine noise around a flat
// mean); synthesis keeps the texture instead. Its flicker is above the footage's here (each
// frame is synthesised anew; a shot-level plate is the fix), bounded so it cannot regress.
TEST(FillQuality, NeverUncoveredTextureKeepsItsGrain) {
  Case c = moving_object(200, 16, 0, kBlemishOnGrass);
  const Scores s = remove(c, 16, false);
  std::printf(
      "vtest, fixed 40x40 blemish on grass, locked-off camera (never uncovered): synthesis %.2f "
      "dB, Telea %.2f dB in the mask; texture kept %.2f (Telea %.2f); frame-to-frame change %.4f "
      "(original %.4f)\n",
      s.ours, s.peer, s.texture_ours, s.texture_peer, s.flicker_ours, s.flicker_original);
  EXPECT_GE(s.texture_ours, 0.8);
  EXPECT_GE(s.texture_ours, s.texture_peer + 0.5);
  EXPECT_GE(s.ours, s.peer - 3.0);
  EXPECT_LE(s.flicker_ours, 0.01);
}

}  // namespace
}  // namespace fl::inpaint
