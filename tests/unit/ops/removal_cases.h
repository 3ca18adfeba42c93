// Removal test cases on real footage (vtest.avi): synthetic objects pasted into real frames,
// with the untouched frames kept as the truth, and the scores used on them.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "colour/transfer.h"
#include "inpaint/shape_track.h"
#include "io/frame_source.h"
#include "test_support.h"

namespace fl::inpaint {

struct Case {
  std::vector<Image> original, dirty;
  std::vector<std::vector<float>> holes;
  std::vector<Image> masks;  // the holes as mask images (coverage in every channel)
};

constexpr const char* kMovingObject = "0: rect 120 30 40 40; 100: rect 1020 30 40 40";
// The same across the near half of the plaza.
constexpr const char* kMovingObjectNear = "0: rect 120 330 40 40; 100: rect 1020 330 40 40";
// A fixed blemish (dust on the sensor, a logo) on the building's windows, and one on the grass:
// with a locked-off camera nothing ever uncovers them.
constexpr const char* kBlemish = "rect 420 70 40 40";
constexpr const char* kBlemishOnGrass = "rect 330 400 40 40";

// A textured object on the track (by default 40x40, moving 9 px a frame across the top of the
// plaza). With `pan`, the frames are a 640x480 window moving over the footage (a camera pan and
// tilt of (pan, pan/3) px a frame), so the background moves too. With `parallax`, the scene is
// not one plane: as a camera tracking sideways sees it, the far half (the buildings, the top)
// moves at half the pan and the near half (the plaza) at one and a half times, with a smooth
// transition between (no homography maps one frame onto another).
inline Case moving_object(int first, int count, double pan = 0, const char* shape = kMovingObject,
                          bool parallax = false) {
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
      if (parallax) {
        cv::Mat1f mx(to.size()), my(to.size());
        for (int y = 0; y < to.rows; ++y) {
          const double depth = 0.5 + 1.0 / (1.0 + std::exp(-(y - 240.0) / 40.0));
          for (int x = 0; x < to.cols; ++x) {
            mx(y, x) = float(zoom * x + 8 + pan * i * depth);
            my(y, x) = float(zoom * y + 8 + pan * i / 3);
          }
        }
        cv::remap(from, to, mx, my, cv::INTER_CUBIC, cv::BORDER_REFLECT);
      } else {
        const cv::Matx23d m(zoom, 0, 8 + pan * i, 0, zoom, 8 + pan * i / 3);
        cv::warpAffine(from, to, m, to.size(), cv::INTER_CUBIC | cv::WARP_INVERSE_MAP,
                       cv::BORDER_REFLECT);
      }
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

inline float encode(float v) {
  static const auto& curve = colour::TransferCurve::get(colour::Transfer::kBt709);
  return std::clamp(curve.to_encoded(std::clamp(v, 0.0f, 1.0f)), 0.0f, 1.0f);
}

// PSNR over RGB inside the hole (coverage >= 0.5), display-referred.
inline double psnr_in_mask(const Image& a, const Image& b, const std::vector<float>& hole) {
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

}  // namespace fl::inpaint
