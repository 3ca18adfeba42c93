#include "inpaint/patch_synthesis.h"

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

namespace fl::inpaint {
namespace {

// Mean squared error inside the hole, as PSNR for values in [0, 1].
double psnr_in(const cv::Mat3f& a, const cv::Mat3f& b, const cv::Mat1b& hole) {
  double se = 0;
  int n = 0;
  for (int y = 0; y < a.rows; ++y)
    for (int x = 0; x < a.cols; ++x)
      if (hole(y, x)) {
        const cv::Vec3f d = a(y, x) - b(y, x);
        se += d.dot(d) / 3.0;
        ++n;
      }
  return 10 * std::log10(1.0 / std::max(1e-12, se / n));
}

// Bricks: a regular structure a diffusion cannot continue through a hole, but patches can.
cv::Mat3f bricks(int w, int h) {
  cv::Mat3f img(h, w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int row = y / 12, shift = row % 2 ? 12 : 0;
      const bool mortar = y % 12 < 2 || (x + shift) % 24 < 2;
      img(y, x) = mortar ? cv::Vec3f(0.8f, 0.8f, 0.75f) : cv::Vec3f(0.55f, 0.2f, 0.12f);
    }
  return img;
}

TEST(PatchSynthesis, ContinuesARegularStructureThroughTheHole) {
  const cv::Mat3f truth = bricks(240, 160);
  cv::Mat1b hole(truth.size(), uchar(0));
  cv::rectangle(hole, cv::Rect(90, 50, 50, 50), cv::Scalar(255), cv::FILLED);
  cv::Mat3f img = truth.clone();
  img.setTo(cv::Scalar::all(0), hole);
  cv::Mat3f telea = img.clone();
  {
    std::vector<cv::Mat> c;
    cv::split(telea, c);
    for (auto& ch : c) {
      cv::Mat out;  // on 8-bit magnitudes, where OpenCV's float Telea is right
      cv::inpaint(ch * 255.0f, hole, out, 3, cv::INPAINT_TELEA);
      ch = out / 255.0f;
    }
    cv::merge(c, telea);
  }
  SynthesisReport report;
  ASSERT_TRUE(synthesise(img, hole, hole == 0, {}, &report));
  EXPECT_GE(report.levels, 2);
  const double ours = psnr_in(img, truth, hole), theirs = psnr_in(telea, truth, hole);
  std::printf("bricks: synthesis %.1f dB (%d levels), Telea %.1f dB\n", ours, report.levels,
              theirs);
  EXPECT_GT(ours, theirs + 6.0);
  // Outside the hole nothing moves.
  cv::Mat3f diff;
  cv::absdiff(img, truth, diff);
  diff.setTo(cv::Scalar::all(0), hole);
  EXPECT_EQ(cv::countNonZero(diff.reshape(1) > 0), 0);
}

TEST(PatchSynthesis, CopiesOnlyFromTheSource) {
  // Left half red, right half blue; the source is only the left half, so a hole in the right
  // half must become red.
  cv::Mat3f img(80, 120, cv::Vec3f(0, 0, 1));
  img(cv::Rect(0, 0, 60, 80)).setTo(cv::Scalar(1, 0, 0));
  cv::Mat1b hole(img.size(), uchar(0)), source(img.size(), uchar(0));
  cv::rectangle(hole, cv::Rect(80, 20, 20, 20), cv::Scalar(255), cv::FILLED);
  source(cv::Rect(0, 0, 60, 80)).setTo(255);
  ASSERT_TRUE(synthesise(img, hole, source, {}));
  const cv::Vec3f centre = img(30, 90);
  EXPECT_NEAR(centre[0], 1.0f, 1e-4);
  EXPECT_NEAR(centre[2], 0.0f, 1e-4);
}

TEST(PatchSynthesis, IsDeterministicAndRefusesASourceTooSmall) {
  const cv::Mat3f truth = bricks(120, 90);
  cv::Mat1b hole(truth.size(), uchar(0));
  cv::rectangle(hole, cv::Rect(40, 30, 30, 30), cv::Scalar(255), cv::FILLED);
  cv::Mat3f a = truth.clone(), b = truth.clone();
  ASSERT_TRUE(synthesise(a, hole, hole == 0, {}));
  ASSERT_TRUE(synthesise(b, hole, hole == 0, {}));
  cv::Mat3f diff;
  cv::absdiff(a, b, diff);
  EXPECT_EQ(cv::countNonZero(diff.reshape(1) > 0), 0);

  cv::Mat1b tiny(truth.size(), uchar(0));
  tiny(cv::Rect(0, 0, 4, 4)).setTo(255);  // smaller than one 7x7 patch
  cv::Mat3f c = truth.clone();
  EXPECT_FALSE(synthesise(c, hole, tiny, {}));
}

TEST(PatchSynthesis, StopsWhenCancelled) {
  cv::Mat3f img = bricks(120, 90);
  cv::Mat1b hole(img.size(), uchar(0));
  cv::rectangle(hole, cv::Rect(40, 30, 30, 30), cv::Scalar(255), cv::FILLED);
  SynthesisOptions o;
  o.cancelled = [] { return true; };
  SynthesisReport report;
  EXPECT_TRUE(synthesise(img, hole, hole == 0, o, &report));
  EXPECT_TRUE(report.cancelled);
}

}  // namespace
}  // namespace fl::inpaint
