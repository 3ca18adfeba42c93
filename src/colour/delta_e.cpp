#include "colour/delta_e.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace fl::colour {
namespace {

// The white of the matrix itself (its row sums), so that RGB white is exactly a* = b* = 0.
constexpr double kWhiteX = 0.4123907993 + 0.3575843394 + 0.1804807884;
constexpr double kWhiteZ = 0.0193308187 + 0.1191947798 + 0.9505321522;

double lab_f(double t) {
  constexpr double kEps = 216.0 / 24389.0, kKappa = 24389.0 / 27.0;
  return t > kEps ? std::cbrt(t) : (kKappa * t + 16.0) / 116.0;
}

double degrees(double rad) { return rad * 180.0 / std::numbers::pi; }
double radians(double deg) { return deg * std::numbers::pi / 180.0; }

}  // namespace

Lab lab_from_linear_rec709(double r, double g, double b) {
  const double x = 0.4123907993 * r + 0.3575843394 * g + 0.1804807884 * b;
  const double y = 0.2126390059 * r + 0.7151686788 * g + 0.0721923154 * b;
  const double z = 0.0193308187 * r + 0.1191947798 * g + 0.9505321522 * b;
  const double fx = lab_f(x / kWhiteX), fy = lab_f(y), fz = lab_f(z / kWhiteZ);
  return {116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)};
}

double ciede2000(const Lab& p, const Lab& q) {
  const double c1 = std::hypot(p[1], p[2]), c2 = std::hypot(q[1], q[2]);
  const double c_mean = 0.5 * (c1 + c2);
  const double c7 = std::pow(c_mean, 7.0);
  const double g = 0.5 * (1.0 - std::sqrt(c7 / (c7 + 6103515625.0)));  // 25^7
  const double a1 = (1.0 + g) * p[1], a2 = (1.0 + g) * q[1];
  const double cp1 = std::hypot(a1, p[2]), cp2 = std::hypot(a2, q[2]);
  auto hue = [](double b, double a) {
    if (a == 0 && b == 0) return 0.0;
    double h = degrees(std::atan2(b, a));
    return h < 0 ? h + 360.0 : h;
  };
  const double h1 = hue(p[2], a1), h2 = hue(q[2], a2);

  const double dl = q[0] - p[0];
  const double dc = cp2 - cp1;
  double dh = 0;
  if (cp1 * cp2 != 0) {
    dh = h2 - h1;
    if (dh > 180) dh -= 360;
    if (dh < -180) dh += 360;
  }
  const double d_big_h = 2.0 * std::sqrt(cp1 * cp2) * std::sin(radians(dh / 2.0));

  const double l_mean = 0.5 * (p[0] + q[0]);
  const double cp_mean = 0.5 * (cp1 + cp2);
  double h_mean = h1 + h2;
  if (cp1 * cp2 != 0) {
    if (std::abs(h1 - h2) <= 180)
      h_mean *= 0.5;
    else
      h_mean = h1 + h2 < 360 ? 0.5 * (h_mean + 360) : 0.5 * (h_mean - 360);
  }
  const double t = 1.0 - 0.17 * std::cos(radians(h_mean - 30)) +
                   0.24 * std::cos(radians(2 * h_mean)) + 0.32 * std::cos(radians(3 * h_mean + 6)) -
                   0.20 * std::cos(radians(4 * h_mean - 63));
  const double d_theta = 30.0 * std::exp(-std::pow((h_mean - 275.0) / 25.0, 2.0));
  const double cp7 = std::pow(cp_mean, 7.0);
  const double rc = 2.0 * std::sqrt(cp7 / (cp7 + 6103515625.0));
  const double l50 = (l_mean - 50) * (l_mean - 50);
  const double sl = 1.0 + 0.015 * l50 / std::sqrt(20.0 + l50);
  const double sc = 1.0 + 0.045 * cp_mean;
  const double sh = 1.0 + 0.015 * cp_mean * t;
  const double rt = -std::sin(radians(2.0 * d_theta)) * rc;
  const double tl = dl / sl, tc = dc / sc, th = d_big_h / sh;
  return std::sqrt(tl * tl + tc * tc + th * th + rt * tc * th);
}

DeltaEStats delta_e2000(const Image& a, const Image& b, int step) {
  DeltaEStats s;
  if (a.width() != b.width() || a.height() != b.height() || a.empty()) return s;
  step = std::max(1, step);
  std::vector<float> all;
  all.reserve(size_t(a.width() / step + 1) * size_t(a.height() / step + 1));
  double sum = 0;
  auto clamp01 = [](float v) { return std::clamp(double(v), 0.0, 1.0); };
  for (int y = 0; y < a.height(); y += step) {
    const float* pa = a.row(a.bounds().y + y);
    const float* pb = b.row(b.bounds().y + y);
    for (int x = 0; x < a.width(); x += step) {
      const float* u = pa + 4 * size_t(x);
      const float* v = pb + 4 * size_t(x);
      const double d =
          ciede2000(lab_from_linear_rec709(clamp01(u[0]), clamp01(u[1]), clamp01(u[2])),
                    lab_from_linear_rec709(clamp01(v[0]), clamp01(v[1]), clamp01(v[2])));
      sum += d;
      s.max = std::max(s.max, d);
      all.push_back(float(d));
    }
  }
  s.pixels = all.size();
  s.mean = sum / double(std::max<size_t>(1, all.size()));
  auto k = all.begin() + std::ptrdiff_t(double(all.size() - 1) * 0.95);
  std::nth_element(all.begin(), k, all.end());
  s.p95 = *k;
  return s;
}

}  // namespace fl::colour
