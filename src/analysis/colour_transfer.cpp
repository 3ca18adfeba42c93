#include "analysis/colour_transfer.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "analysis/correspondence.h"
#include "colour/grade_fit.h"

namespace fl::analysis {
namespace {

constexpr int kBins = 4096;

using Rgb = std::array<double, 3>;

template <class Fn>
colour::Lut3D bake(int n, Fn&& fn) {
  colour::Lut3D lut;
  lut.size = n;
  lut.rgb.resize(size_t(n) * n * n * 3);
  for (int b = 0; b < n; ++b)
    for (int g = 0; g < n; ++g)
      for (int r = 0; r < n; ++r) {
        const Rgb o = fn(Rgb{double(r) / (n - 1), double(g) / (n - 1), double(b) / (n - 1)});
        float* d = &lut.rgb[3 * ((size_t(b) * n + g) * n + r)];
        for (int c = 0; c < 3; ++c) d[c] = float(o[size_t(c)]);
      }
  return lut;
}

template <class Fn>
void for_each_code(const Image& img, const colour::TransferCurve& curve, Fn&& fn) {
  for (int y = 0; y < img.height(); ++y) {
    const float* p = img.row(img.bounds().y + y);
    for (int x = 0; x < img.width(); ++x) {
      Rgb c;
      for (int k = 0; k < 3; ++k)
        c[size_t(k)] = std::clamp(double(curve.to_encoded(p[4 * x + k])), 0.0, 1.0);
      fn(c);
    }
  }
}

// l-alpha-beta (Ruderman et al.), from linear RGB through LMS and a log, as Reinhard used it.
Rgb lab_ruderman(const Rgb& rgb) {
  const double l = 0.3811 * rgb[0] + 0.5783 * rgb[1] + 0.0402 * rgb[2];
  const double m = 0.1967 * rgb[0] + 0.7244 * rgb[1] + 0.0782 * rgb[2];
  const double s = 0.0241 * rgb[0] + 0.1288 * rgb[1] + 0.8444 * rgb[2];
  const double ll = std::log10(std::max(l, 1e-6)), lm = std::log10(std::max(m, 1e-6)),
               ls = std::log10(std::max(s, 1e-6));
  return {(ll + lm + ls) / std::sqrt(3.0), (ll + lm - 2 * ls) / std::sqrt(6.0),
          (ll - lm) / std::sqrt(2.0)};
}

Rgb rgb_from_ruderman(const Rgb& lab) {
  const double a = lab[0] / std::sqrt(3.0), b = lab[1] / std::sqrt(6.0),
               c = lab[2] / std::sqrt(2.0);
  const double ll = a + b + c, lm = a + b - c, ls = a - 2 * b;
  const double l = std::pow(10.0, ll), m = std::pow(10.0, lm), s = std::pow(10.0, ls);
  return {4.4679 * l - 3.5873 * m + 0.1193 * s, -1.2186 * l + 2.3809 * m - 0.1624 * s,
          0.0497 * l - 0.2439 * m + 1.2045 * s};
}

}  // namespace

colour::Lut3D histogram_match_lut(const std::vector<Image>& shot_frames, const Image& reference,
                                  colour::Transfer encoding, int lut_size) {
  const colour::TransferCurve& curve = colour::TransferCurve::get(encoding);
  std::array<std::vector<double>, 3> hs, hr;
  for (int c = 0; c < 3; ++c) hs[size_t(c)].assign(kBins, 0), hr[size_t(c)].assign(kBins, 0);
  auto bin = [](double v) { return std::clamp(int(v * (kBins - 1) + 0.5), 0, kBins - 1); };
  for (const Image& f : shot_frames)
    for_each_code(f, curve, [&](const Rgb& c) {
      for (int k = 0; k < 3; ++k) hs[size_t(k)][size_t(bin(c[size_t(k)]))] += 1;
    });
  for_each_code(reference, curve, [&](const Rgb& c) {
    for (int k = 0; k < 3; ++k) hr[size_t(k)][size_t(bin(c[size_t(k)]))] += 1;
  });
  // Each source level goes to the reference level at the same cumulative share.
  std::array<std::vector<double>, 3> map;
  for (int k = 0; k < 3; ++k) {
    auto cdf = [](std::vector<double> h) {
      double total = 0;
      for (double v : h) total += v;
      double acc = 0;
      for (double& v : h) {
        acc += v;
        v = total > 0 ? acc / total : 0;
      }
      return h;
    };
    const auto cs = cdf(hs[size_t(k)]), cr = cdf(hr[size_t(k)]);
    map[size_t(k)].resize(kBins);
    size_t j = 0;
    for (size_t i = 0; i < size_t(kBins); ++i) {
      while (j + 1 < size_t(kBins) && cr[j] < cs[i]) ++j;
      map[size_t(k)][i] = double(j) / (kBins - 1);
    }
  }
  return bake(lut_size, [&](const Rgb& c) {
    Rgb o;
    for (int k = 0; k < 3; ++k) o[size_t(k)] = map[size_t(k)][size_t(bin(c[size_t(k)]))];
    return o;
  });
}

colour::Lut3D reinhard_lut(const std::vector<Image>& shot_frames, const Image& reference,
                           colour::Transfer encoding, int lut_size) {
  const colour::TransferCurve& curve = colour::TransferCurve::get(encoding);
  auto stats = [&](const std::vector<const Image*>& frames, Rgb& mean, Rgb& sd) {
    Rgb sum{0, 0, 0}, sq{0, 0, 0};
    double n = 0;
    for (const Image* f : frames)
      for_each_code(*f, curve, [&](const Rgb& c) {
        const Rgb lin{curve.to_linear(float(c[0])), curve.to_linear(float(c[1])),
                      curve.to_linear(float(c[2]))};
        const Rgb l = lab_ruderman(lin);
        for (int k = 0; k < 3; ++k)
          sum[size_t(k)] += l[size_t(k)], sq[size_t(k)] += l[size_t(k)] * l[size_t(k)];
        n += 1;
      });
    for (int k = 0; k < 3; ++k) {
      mean[size_t(k)] = sum[size_t(k)] / std::max(n, 1.0);
      sd[size_t(k)] = std::sqrt(
          std::max(1e-12, sq[size_t(k)] / std::max(n, 1.0) - mean[size_t(k)] * mean[size_t(k)]));
    }
  };
  std::vector<const Image*> shot;
  for (const Image& f : shot_frames) shot.push_back(&f);
  Rgb ms, ss, mr, sr;
  stats(shot, ms, ss);
  stats({&reference}, mr, sr);
  return bake(lut_size, [&](const Rgb& c) {
    const Rgb lin{curve.to_linear(float(c[0])), curve.to_linear(float(c[1])),
                  curve.to_linear(float(c[2]))};
    Rgb l = lab_ruderman(lin);
    for (int k = 0; k < 3; ++k)
      l[size_t(k)] = mr[size_t(k)] + (l[size_t(k)] - ms[size_t(k)]) * sr[size_t(k)] / ss[size_t(k)];
    const Rgb o = rgb_from_ruderman(l);
    Rgb e;
    for (int k = 0; k < 3; ++k)
      e[size_t(k)] = curve.to_encoded(float(std::clamp(o[size_t(k)], 0.0, 1.0)));
    return e;
  });
}

Result<colour::Lut3D> distribution_fit_lut(const std::vector<Image>& shot_frames,
                                           const Image& reference, colour::Transfer encoding,
                                           int lut_size) {
  const colour::TransferCurve& curve = colour::TransferCurve::get(encoding);
  const cv::Mat ref = correspondence::encoded(reference, curve);
  std::vector<colour::ColourSample> pairs;
  for (const Image& f : shot_frames)
    correspondence::band_pairs(correspondence::encoded(f, curve), ref, 64, pairs);
  colour::GradeFitOptions o;
  o.encoding = encoding;
  o.lut_size = lut_size;
  o.lattice = false;
  o.curve_knots = 6;
  o.bins_per_channel = 24;
  o.cdl = false;
  FL_ASSIGN_OR_RETURN(colour::GradeFit fit, colour::fit_grade(pairs, o));
  return fit.lut;
}

}  // namespace fl::analysis
