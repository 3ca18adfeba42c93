#include "colour/primaries.h"

#include <Eigen/Dense>

#include <cmath>

namespace fl::colour {
namespace {

struct Chromaticities {
  double rx, ry, gx, gy, bx, by, wx, wy;
};

constexpr double kD65x = 0.3127, kD65y = 0.3290;
constexpr double kAcesWx = 0.32168, kAcesWy = 0.33767;

Chromaticities chromaticities(Primaries p) {
  switch (p) {
    case Primaries::kRec709:
      return {0.640, 0.330, 0.300, 0.600, 0.150, 0.060, kD65x, kD65y};
    case Primaries::kRec2020:
      return {0.708, 0.292, 0.170, 0.797, 0.131, 0.046, kD65x, kD65y};
    case Primaries::kP3D65:
      return {0.680, 0.320, 0.265, 0.690, 0.150, 0.060, kD65x, kD65y};
    case Primaries::kP3Dci:
      return {0.680, 0.320, 0.265, 0.690, 0.150, 0.060, 0.314, 0.351};
    case Primaries::kAcesAp0:
      return {0.7347, 0.2653, 0.0, 1.0, 0.0001, -0.0770, kAcesWx, kAcesWy};
    case Primaries::kAcesAp1:
      return {0.713, 0.293, 0.165, 0.830, 0.128, 0.044, kAcesWx, kAcesWy};
    case Primaries::kBt601_625:
      return {0.640, 0.330, 0.290, 0.600, 0.150, 0.060, kD65x, kD65y};
    case Primaries::kBt601_525:
      return {0.630, 0.340, 0.310, 0.595, 0.155, 0.070, kD65x, kD65y};
  }
  return chromaticities(Primaries::kRec709);
}

Eigen::Vector3d xyz_of(double x, double y) { return {x / y, 1.0, (1 - x - y) / y}; }

Eigen::Matrix3d to_eigen(const Matrix3& m) {
  Eigen::Matrix3d e;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) e(r, c) = m[size_t(3 * r + c)];
  return e;
}

Matrix3 from_eigen(const Eigen::Matrix3d& e) {
  Matrix3 m;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) m[size_t(3 * r + c)] = e(r, c);
  return m;
}

// Bradford chromatic adaptation from white `src` to white `dst` (XYZ -> XYZ).
Eigen::Matrix3d bradford(const Eigen::Vector3d& src, const Eigen::Vector3d& dst) {
  Eigen::Matrix3d b;
  b << 0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367, 0.0389, -0.0685, 1.0296;
  const Eigen::Vector3d s = b * src, d = b * dst;
  return b.inverse() * Eigen::Vector3d(d.array() / s.array()).asDiagonal() * b;
}

struct Name {
  const char* ours;
  const char* ffmpeg;
  Primaries p;
};
constexpr Name kNames[] = {
    {"rec709", "bt709", Primaries::kRec709},
    {"rec2020", "bt2020", Primaries::kRec2020},
    {"p3d65", "smpte432", Primaries::kP3D65},
    {"p3dci", "smpte431", Primaries::kP3Dci},
    {"aces", "", Primaries::kAcesAp0},
    {"acescg", "", Primaries::kAcesAp1},
    {"bt601-625", "bt470bg", Primaries::kBt601_625},
    {"bt601-525", "smpte170m", Primaries::kBt601_525},
};

}  // namespace

Result<Primaries> parse_primaries(std::string_view name) {
  for (const Name& n : kNames)
    if (name == n.ours || (*n.ffmpeg && name == n.ffmpeg)) return n.p;
  if (name == "srgb") return Primaries::kRec709;
  if (name == "smpte240m") return Primaries::kBt601_525;  // same chromaticities
  if (name == "ap0") return Primaries::kAcesAp0;
  if (name == "ap1") return Primaries::kAcesAp1;
  return invalid_argument("unknown primaries '" + std::string(name) +
                          "' (known: " + primaries_names() + ")");
}

const char* primaries_name(Primaries p) {
  for (const Name& n : kNames)
    if (n.p == p) return n.ours;
  return "rec709";
}

const char* primaries_ffmpeg_name(Primaries p) {
  for (const Name& n : kNames)
    if (n.p == p) return n.ffmpeg;
  return "";
}

Primaries primaries_from_tag(std::string_view ffmpeg_name) {
  auto p = parse_primaries(ffmpeg_name);
  return p.ok() ? *p : Primaries::kRec709;
}

std::string primaries_names() {
  std::string s;
  for (const Name& n : kNames) s += (s.empty() ? "" : ", ") + std::string(n.ours);
  return s;
}

std::array<float, 8> chromaticities_of(Primaries p) {
  const Chromaticities c = chromaticities(p);
  return {float(c.rx), float(c.ry), float(c.gx), float(c.gy),
          float(c.bx), float(c.by), float(c.wx), float(c.wy)};
}

std::optional<Primaries> match_chromaticities(const float xy[8], float tolerance) {
  for (const Name& n : kNames) {
    const std::array<float, 8> c = chromaticities_of(n.p);
    bool same = true;
    for (size_t i = 0; i < 8; ++i) same &= std::abs(c[i] - xy[i]) <= tolerance;
    if (same) return n.p;
  }
  return std::nullopt;
}

Matrix3 rgb_to_xyz(Primaries p) {
  const Chromaticities c = chromaticities(p);
  Eigen::Matrix3d m;
  m.col(0) = xyz_of(c.rx, c.ry);
  m.col(1) = xyz_of(c.gx, c.gy);
  m.col(2) = xyz_of(c.bx, c.by);
  // Scale each primary so that RGB (1, 1, 1) lands on the white point with Y = 1.
  const Eigen::Vector3d s = m.inverse() * xyz_of(c.wx, c.wy);
  return from_eigen(m * s.asDiagonal());
}

Matrix3 primaries_conversion(Primaries from, Primaries to) {
  if (from == to) return {1, 0, 0, 0, 1, 0, 0, 0, 1};
  const Chromaticities a = chromaticities(from), b = chromaticities(to);
  Eigen::Matrix3d m = to_eigen(rgb_to_xyz(to)).inverse();
  if (a.wx != b.wx || a.wy != b.wy) m = m * bradford(xyz_of(a.wx, a.wy), xyz_of(b.wx, b.wy));
  return from_eigen(m * to_eigen(rgb_to_xyz(from)));
}

}  // namespace fl::colour
