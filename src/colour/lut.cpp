#include "colour/lut.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/file_util.h"

namespace fl::colour {
namespace {

// Lattice coordinate of v on one axis. Written so that NaN fails the comparison and lands on
// 0, like FFmpeg's sanitize-then-clip; the top of the domain maps to cell size-2 with f = 1 so
// that the "next" vertex always exists and no edge case reaches the inner loops.
struct AxisMap {
  float min, scale, max_coord;
  int max_cell;
  inline void locate(float v, int& cell, float& frac) const {
    float x = (v - min) * scale;
    x = x > 0.0f ? x : 0.0f;
    x = x < max_coord ? x : max_coord;
    cell = std::min(int(x), max_cell);
    frac = x - float(cell);
  }
};

template <class Lut>
std::array<AxisMap, 3> axis_maps(const Lut& lut) {
  std::array<AxisMap, 3> m{};
  float top = float(lut.size - 1);
  for (int c = 0; c < 3; ++c) {
    m[size_t(c)] = {lut.domain_min[size_t(c)],
                    top / (lut.domain_max[size_t(c)] - lut.domain_min[size_t(c)]), top,
                    lut.size - 2};
  }
  return m;
}

std::string number(float v) {
  std::string s;
  append_number(s, v);
  return s;
}

template <class Lut>
Status validate_common(const Lut& lut, const char* kind, int max_size, size_t entries) {
  if (lut.size < kMinLutSize || lut.size > max_size) {
    return invalid_argument(std::string(kind) + " LUT size " + std::to_string(lut.size) +
                            " is out of range " + std::to_string(kMinLutSize) + ".." +
                            std::to_string(max_size));
  }
  if (lut.rgb.size() != entries * 3) {
    return invalid_argument(std::string(kind) + " LUT of size " + std::to_string(lut.size) +
                            " needs " + std::to_string(entries * 3) + " values, has " +
                            std::to_string(lut.rgb.size()));
  }
  for (size_t i = 0; i < lut.rgb.size(); ++i) {
    if (!std::isfinite(lut.rgb[i])) {
      return invalid_argument(std::string(kind) + " LUT entry " + std::to_string(i / 3) +
                              " is not a finite number");
    }
  }
  for (size_t c = 0; c < 3; ++c) {
    // The width and the lattice scale must be finite too, or inputs would map to NaN or to
    // a single cell.
    const float width = lut.domain_max[c] - lut.domain_min[c];
    if (!std::isfinite(lut.domain_min[c]) || !std::isfinite(lut.domain_max[c]) || !(width > 0) ||
        !std::isfinite(width) || !std::isfinite(float(lut.size - 1) / width)) {
      return invalid_argument(std::string(kind) + " LUT domain for channel " + "RGB"[c] +
                              " is empty, too narrow or not finite (min " +
                              number(lut.domain_min[c]) + ", max " + number(lut.domain_max[c]) +
                              ")");
    }
  }
  return ok_status();
}

template <class Lut>
bool identity_domain(const Lut& lut) {
  return lut.domain_min == std::array<float, 3>{0, 0, 0} &&
         lut.domain_max == std::array<float, 3>{1, 1, 1};
}

}  // namespace

Lut1D identity_lut1d(int size) {
  Lut1D lut;
  lut.size = size;
  lut.rgb.resize(size_t(std::max(size, 0)) * 3);
  for (int i = 0; i < size; ++i) {
    float v = float(i) / float(size - 1);
    for (int c = 0; c < 3; ++c) lut.rgb[size_t(i) * 3 + size_t(c)] = v;
  }
  return lut;
}

Lut3D identity_lut3d(int size) {
  Lut3D lut;
  lut.size = size;
  size_t n = size_t(std::max(size, 0));
  lut.rgb.resize(n * n * n * 3);
  float* p = lut.rgb.data();
  for (int b = 0; b < size; ++b) {
    for (int g = 0; g < size; ++g) {
      for (int r = 0; r < size; ++r) {
        *p++ = float(r) / float(size - 1);
        *p++ = float(g) / float(size - 1);
        *p++ = float(b) / float(size - 1);
      }
    }
  }
  return lut;
}

Status validate_lut(const Lut1D& lut) {
  return validate_common(lut, "1D", kMax1DLutSize, size_t(std::max(lut.size, 0)));
}

Status validate_lut(const Lut3D& lut) {
  size_t n = size_t(std::max(lut.size, 0));
  return validate_common(lut, "3D", kMax3DLutSize, n * n * n);
}

bool is_identity(const Lut1D& lut, float tolerance) {
  if (!identity_domain(lut) || !validate_lut(lut).ok()) return false;
  Lut1D id = identity_lut1d(lut.size);
  for (size_t i = 0; i < id.rgb.size(); ++i) {
    if (std::fabs(id.rgb[i] - lut.rgb[i]) > tolerance) return false;
  }
  return true;
}

bool is_identity(const Lut3D& lut, float tolerance) {
  if (!identity_domain(lut) || !validate_lut(lut).ok()) return false;
  Lut3D id = identity_lut3d(lut.size);
  for (size_t i = 0; i < id.rgb.size(); ++i) {
    if (std::fabs(id.rgb[i] - lut.rgb[i]) > tolerance) return false;
  }
  return true;
}

void apply_lut1d(const Lut1D& lut, float* rgba, size_t pixels) {
  const auto maps = axis_maps(lut);
  const float* t = lut.rgb.data();
  for (size_t i = 0; i < pixels; ++i, rgba += 4) {
    for (int c = 0; c < 3; ++c) {
      int cell;
      float f;
      maps[size_t(c)].locate(rgba[c], cell, f);
      float lo = t[size_t(cell) * 3 + size_t(c)], hi = t[size_t(cell + 1) * 3 + size_t(c)];
      rgba[c] = lo + (hi - lo) * f;
    }
  }
}

namespace {

// Same arithmetic as FFmpeg's interp_tetrahedral (Truelight paper): pick the tetrahedron by
// ordering the fractions, then weight its 4 vertices, so results agree with `lut3d` to float
// rounding.
inline void tetrahedral(const float* lut, const size_t stride[3], const size_t base,
                        const float f[3], float* out) {
  int hi, mid, lo;
  if (f[0] > f[1]) {
    if (f[1] > f[2]) {
      hi = 0, mid = 1, lo = 2;
    } else if (f[0] > f[2]) {
      hi = 0, mid = 2, lo = 1;
    } else {
      hi = 2, mid = 0, lo = 1;
    }
  } else {
    if (f[2] > f[1]) {
      hi = 2, mid = 1, lo = 0;
    } else if (f[2] > f[0]) {
      hi = 1, mid = 2, lo = 0;
    } else {
      hi = 1, mid = 0, lo = 2;
    }
  }
  const float* c0 = lut + base;
  const float* c1 = c0 + stride[hi];
  const float* c2 = c1 + stride[mid];
  const float* c3 = c2 + stride[lo];
  const float w0 = 1.0f - f[hi], w1 = f[hi] - f[mid], w2 = f[mid] - f[lo], w3 = f[lo];
  for (int c = 0; c < 3; ++c) out[c] = w0 * c0[c] + w1 * c1[c] + w2 * c2[c] + w3 * c3[c];
}

inline void trilinear(const float* lut, const size_t stride[3], const size_t base, const float f[3],
                      float* out) {
  const float* p = lut + base;
  for (int c = 0; c < 3; ++c) {
    auto lerp = [](float a, float b, float t) { return a + (b - a) * t; };
    const float* q = p + c;
    float c00 = lerp(q[0], q[stride[0]], f[0]);
    float c10 = lerp(q[stride[1]], q[stride[1] + stride[0]], f[0]);
    float c01 = lerp(q[stride[2]], q[stride[2] + stride[0]], f[0]);
    float c11 = lerp(q[stride[2] + stride[1]], q[stride[2] + stride[1] + stride[0]], f[0]);
    out[c] = lerp(lerp(c00, c10, f[1]), lerp(c01, c11, f[1]), f[2]);
  }
}

}  // namespace

void apply_lut3d(const Lut3D& lut, Interp interp, float* rgba, size_t pixels) {
  const auto maps = axis_maps(lut);
  const size_t n = size_t(lut.size);
  const size_t stride[3] = {3, 3 * n, 3 * n * n};
  const float* t = lut.rgb.data();
  for (size_t i = 0; i < pixels; ++i, rgba += 4) {
    int cell[3];
    float f[3];
    for (int c = 0; c < 3; ++c) maps[size_t(c)].locate(rgba[c], cell[c], f[c]);
    size_t base =
        size_t(cell[0]) * stride[0] + size_t(cell[1]) * stride[1] + size_t(cell[2]) * stride[2];
    if (interp == Interp::kTetrahedral) {
      tetrahedral(t, stride, base, f, rgba);
    } else {
      trilinear(t, stride, base, f, rgba);
    }
  }
}

}  // namespace fl::colour
