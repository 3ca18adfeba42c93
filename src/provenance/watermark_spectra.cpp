#include "provenance/watermark_spectra.h"

#include <algorithm>
#include <complex>

namespace fl::provenance::detail {

// The peak's position to a fraction of a pixel: a parabola through it and its neighbours on
// each axis (the surface wraps around).
cv::Point2d subpixel_peak(const cv::Mat& surface, cv::Point at) {
  const int n = surface.rows;
  auto v = [&](int y, int x) { return double(surface.at<float>((y + n) % n, (x + n) % n)); };
  auto offset = [](double left, double centre, double right) {
    const double d = left - 2 * centre + right;
    return d < 0 ? std::clamp(0.5 * (left - right) / d, -0.5, 0.5) : 0.0;
  };
  return {at.x + offset(v(at.y, at.x - 1), v(at.y, at.x), v(at.y, at.x + 1)),
          at.y + offset(v(at.y - 1, at.x), v(at.y, at.x), v(at.y + 1, at.x))};
}

// The spectrum of g(x + shift): a phase ramp, so a fractional shift costs nothing in sharpness.
// The ramp is the product of one per axis.
cv::Mat shifted(const cv::Mat& spectrum, cv::Point2d shift) {
  cv::Mat out = spectrum.clone();
  const int n = spectrum.rows;
  std::vector<std::complex<float>> ramp_x(static_cast<size_t>(n)), ramp_y(ramp_x.size());
  for (int i = 0; i < n; ++i) {
    const int f = i <= n / 2 ? i : i - n;
    ramp_x[size_t(i)] = std::polar(1.f, float(2 * CV_PI * f * shift.x / n));
    ramp_y[size_t(i)] = std::polar(1.f, float(2 * CV_PI * f * shift.y / n));
  }
  for (int y = 0; y < n; ++y) {
    auto* row = out.ptr<std::complex<float>>(y);
    for (int x = 0; x < n; ++x) row[x] *= ramp_y[size_t(y)] * ramp_x[size_t(x)];
  }
  return out;
}

const std::vector<int8_t>& band_rings() {
  static const std::vector<int8_t> rings = [] {
    const int n = kTileRef;
    std::vector<int8_t> out(size_t(n) * size_t(n));
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        const int fy = y <= n / 2 ? y : y - n, fx = x <= n / 2 ? x : x - n;
        const double r = std::hypot(double(fx), double(fy));
        out[size_t(y) * size_t(n) + size_t(x)] =
            int8_t(r < kBandLow || r > kBandHigh ? -1 : int(std::lround(r)));
      }
    return out;
  }();
  return rings;
}

void apply_gains(cv::Mat& spectrum, const RingGains& gain) {
  const int n = kTileRef;
  const std::vector<int8_t>& rings = band_rings();
  for (int y = 0; y < n; ++y) {
    auto* row = spectrum.ptr<cv::Vec2f>(y);
    const int8_t* ring = rings.data() + size_t(y) * size_t(n);
    for (int x = 0; x < n; ++x)
      row[x] = ring[x] < 0 ? cv::Vec2f(0, 0) : row[x] * gain[size_t(ring[x])];
  }
}

// Each ring of frequencies in the band divided by its mean amplitude over both folds (the
// matched filter in the fold's own noise), everything else 0. Both quadratures' folds get the
// same gains, so that any mix of the two whitened spectra is the whitened spectrum of the same
// mix.
WhitePair whiten(const cv::Mat& fold_a, const cv::Mat& fold_b) {
  WhitePair out;
  cv::dft(fold_a, out.a, cv::DFT_COMPLEX_OUTPUT);
  cv::dft(fold_b, out.b, cv::DFT_COMPLEX_OUTPUT);
  const int n = kTileRef;
  const std::vector<int8_t>& rings = band_rings();
  std::array<double, int(kBandHigh) + 2> power{};
  std::array<int, int(kBandHigh) + 2> count{};
  for (const cv::Mat* spec : {&out.a, &out.b})
    for (int y = 0; y < n; ++y) {
      const auto* row = spec->ptr<cv::Vec2f>(y);
      const int8_t* ring = rings.data() + size_t(y) * size_t(n);
      for (int x = 0; x < n; ++x)
        if (ring[x] >= 0) {
          power[size_t(ring[x])] += double(row[x][0]) * row[x][0] + double(row[x][1]) * row[x][1];
          ++count[size_t(ring[x])];
        }
    }
  // Divided by the ring's amplitude rather than its power: the pilot's own spectrum is not flat
  // (the chips' squares roll it off), and this keeps the high rings from drowning in the low
  // (z per coded bit on re-encoded Megamind: 1.05 this way, 0.98 by power, 0.62 unwhitened).
  for (size_t r = 0; r < out.gain.size(); ++r)
    out.gain[r] = count[r] && power[r] > 0 ? float(1.0 / std::sqrt(power[r] / count[r])) : 0.f;
  apply_gains(out.a, out.gain);
  apply_gains(out.b, out.gain);
  return out;
}

cv::Mat band_of(const cv::Mat& spectrum) {
  constexpr int n = kTileRef, h = kCoarse / 2;
  cv::Mat out(kCoarse, kCoarse, spectrum.type());
  for (int qy = 0; qy < 2; ++qy)
    for (int qx = 0; qx < 2; ++qx)
      spectrum(cv::Rect(qx ? n - h : 0, qy ? n - h : 0, h, h))
          .copyTo(out(cv::Rect(qx ? h : 0, qy ? h : 0, h, h)));
  return out;
}

}  // namespace fl::provenance::detail
