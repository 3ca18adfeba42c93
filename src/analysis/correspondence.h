// Where a shot and a reference correspond (internal to src/analysis; OpenCV types are fine
// here, this is not a public header). Frames are display-referred code values, CV_32FC3, RGB.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <vector>

#include "colour/grade_fit.h"
#include "colour/transfer.h"
#include "framelock/image.h"

namespace fl::analysis::correspondence {

// Display-referred code values of a linear frame.
cv::Mat encoded(const Image& img, const colour::TransferCurve& curve);
cv::Mat resized(const cv::Mat& m, cv::Size size);
cv::Mat luma_of(const cv::Mat& enc);
cv::Mat gradient_magnitude(const cv::Mat& luma);
// Zero-mean normalised cross-correlation of two single-channel images of one size.
double zncc(const cv::Mat& a, const cv::Mat& b);
// 8-bit luma, range-stretched, for the feature detector.
cv::Mat feature_image(const cv::Mat& enc);

struct Alignment {
  cv::Mat h;  // reference pixels -> frame pixels
  int inliers = 0;
};
// One homography from ORB matches (RANSAC); nullopt when fewer than `min_inliers` agree.
std::optional<Alignment> align(const cv::Mat& ref_u8, const cv::Mat& frame_u8, int min_inliers,
                               int features = 4000);

// Whole pictures compared as distributions: lightness bands of `src` paired with `dst`'s.
void band_pairs(const cv::Mat& src, const cv::Mat& dst, int bands,
                std::vector<colour::ColourSample>& out);

// Coverage of the same set-up rarely aligns as one plane (the framing changes, people move), but
// many features still match one to one: the skin of a cheek, the rim of a glass, a lamp. Mutual
// ORB matches with local geometric support pair their neighbourhoods, compared as lightness
// bands. Returns the number of matches used.
constexpr int kFeatureBands = 8;  // pairs per matched neighbourhood
int feature_pairs(const cv::Mat& ref_enc, const cv::Mat& frame_enc,
                  std::vector<colour::ColourSample>& out, int features = 3000);

// Pixel-to-pixel pairs of two aligned pictures, weighted (weights <= 0.05 are skipped; an empty
// `weight` is 1 everywhere).
void add_pairs(const cv::Mat& src, const cv::Mat& dst, const cv::Mat& weight,
               std::vector<colour::ColourSample>& out);

}  // namespace fl::analysis::correspondence
