// The blind detector's arithmetic on residuals and their folds (watermark_detect.h): the sums
// of frames weighed by the mark's turn over time, and the whitened spectra of their folds. For
// watermark_detect.cpp only.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "provenance/watermark_pattern.h"

namespace fl::provenance::detail {

// The frames' residual weighed by the two quadratures of the mark's turn (mark_sign's first
// harmonic), each with the frames' mean taken out: what stays still in the picture adds nothing.
struct Quadratures {
  cv::Mat a, b;
};

// Frames summed three ways (plain, and by the cosine and sine of the turn), with the sums of
// the weights: any run of them gives its Quadratures, so an excerpt can be split in time.
struct Sums {
  cv::Mat plain, cosine, sine;
  double n = 0, cos_sum = 0, sin_sum = 0;

  void add(const cv::Mat& r, double seconds) {
    const double angle = 2 * CV_PI * seconds / kTurnSeconds;
    const double c = std::cos(angle), si = std::sin(angle);
    if (plain.empty()) {
      plain = cv::Mat::zeros(r.size(), CV_32F);
      cosine = plain.clone();
      sine = plain.clone();
    }
    plain += r;
    cv::scaleAdd(r, c, cosine, cosine);
    cv::scaleAdd(r, si, sine, sine);
    n += 1;
    cos_sum += c;
    sin_sum += si;
  }
  void add(const Sums& o) {
    if (o.plain.empty()) return;
    if (plain.empty()) {
      *this = {o.plain.clone(), o.cosine.clone(), o.sine.clone(), o.n, o.cos_sum, o.sin_sum};
      return;
    }
    plain += o.plain;
    cosine += o.cosine;
    sine += o.sine;
    n += o.n;
    cos_sum += o.cos_sum;
    sin_sum += o.sin_sum;
  }
  // The sums of the frames in this and not in `part` (a run of them that starts it).
  Sums without(const Sums& part) const {
    if (part.plain.empty()) return *this;
    return {plain - part.plain, cosine - part.cosine,   sine - part.sine,
            n - part.n,         cos_sum - part.cos_sum, sin_sum - part.sin_sum};
  }
  Quadratures quadratures() const {
    return quadratures(cos_sum / std::max(1.0, n), sin_sum / std::max(1.0, n));
  }
  // With the means of a longer run: the parts of a run then add up to the run's own.
  Quadratures quadratures(double cos_mean, double sin_mean) const {
    Quadratures q;
    cv::scaleAdd(plain, -cos_mean, cosine, q.a);
    cv::scaleAdd(plain, -sin_mean, sine, q.b);
    return q;
  }
};

// The peak's position to a fraction of a pixel: a parabola through it and its neighbours on
// each axis (the surface wraps around).
cv::Point2d subpixel_peak(const cv::Mat& surface, cv::Point at);

// The spectrum of g(x + shift): a phase ramp, so a fractional shift costs nothing in sharpness.
cv::Mat shifted(const cv::Mat& spectrum, cv::Point2d shift);

// Which ring of the band each frequency of a kTileRef fold is on; -1 outside the band.
const std::vector<int8_t>& band_rings();

using RingGains = std::array<float, int(kBandHigh) + 2>;

// Each band frequency of `spectrum` times its ring's gain, everything else 0.
void apply_gains(cv::Mat& spectrum, const RingGains& gain);

struct WhitePair {
  cv::Mat a, b;
  RingGains gain{};
  cv::Mat mix(double phase) const {
    cv::Mat out;
    cv::addWeighted(a, std::cos(phase), b, std::sin(phase), 0, out);
    return out;
  }
};

// The whitened spectra of two folds, both with the gains of their summed power per ring.
WhitePair whiten(const cv::Mat& fold_a, const cv::Mat& fold_b);

// The frequencies of a kTileRef spectrum below kCoarse / 2 cycles per tile, as a kCoarse
// spectrum: the whole band (up to kBandHigh), so its inverse is the same correlation surface,
// sampled every kTileRef / kCoarse pixels, at a quarter of the cost.
constexpr int kCoarse = 128;
static_assert(kBandHigh < kCoarse / 2);
cv::Mat band_of(const cv::Mat& spectrum);

}  // namespace fl::provenance::detail
