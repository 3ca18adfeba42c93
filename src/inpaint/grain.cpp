#include "inpaint/grain.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "inpaint/patch_synthesis.h"

namespace fl::inpaint {

std::optional<std::array<float, 3>> temporal_grain(const cv::Mat& a, const cv::Mat& b,
                                                   const cv::Mat1b& where) {
  std::array<std::vector<float>, 3> d;
  for (int y = 0; y < where.rows; ++y) {
    const float* p = a.ptr<float>(y);
    const float* q = b.ptr<float>(y);
    for (int x = 0; x < where.cols; ++x)
      if (where(y, x))
        for (int c = 0; c < 3; ++c)
          d[size_t(c)].push_back(synthesis_encoding::encode(p[4 * x + c]) -
                                 synthesis_encoding::encode(q[4 * x + c]));
  }
  if (d[0].size() < 64) return std::nullopt;
  std::array<float, 3> level{};
  for (size_t c = 0; c < 3; ++c) {
    auto& v = d[c];
    auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    const float median = *mid;  // an exposure step between the frames is not grain
    for (float& e : v) e = std::abs(e - median);
    std::nth_element(v.begin(), mid, v.end());
    level[c] = float(1.4826 * *mid / std::sqrt(2.0));
  }
  return level;
}

void add_grain(cv::Mat& work, const cv::Mat1b& made, const std::array<float, 3>& level,
               uint64_t seed) {
  if (cv::countNonZero(made) == 0 || std::max({level[0], level[1], level[2]}) <= 0) return;
  constexpr double kGrainSize = 0.6;  // grain spans more than one pixel
  cv::RNG rng(seed * 0x9E3779B97F4A7C15ull + 1);
  cv::Mat3f noise(work.size());
  rng.fill(noise, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(1));
  cv::GaussianBlur(noise, noise, cv::Size(0, 0), kGrainSize);
  cv::Scalar mean, sd;
  cv::meanStdDev(noise, mean, sd);
  for (int y = 0; y < work.rows; ++y) {
    float* p = work.ptr<float>(y);
    for (int x = 0; x < work.cols; ++x) {
      if (!made(y, x)) continue;
      for (int c = 0; c < 3; ++c) {
        const double n = noise(y, x)[c] / std::max(1e-6, sd[c]) * level[size_t(c)];
        p[4 * x + c] =
            synthesis_encoding::decode(synthesis_encoding::encode(p[4 * x + c]) + float(n));
      }
    }
  }
}

}  // namespace fl::inpaint
