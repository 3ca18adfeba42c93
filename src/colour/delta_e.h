// CIELAB and CIEDE2000: how far apart two colours look, the yardstick of every colour-matching
// figure framelock reports (scene lock, look fit, CDL-vs-LUT distance).
#pragma once

#include <array>
#include <cstddef>

#include "framelock/image.h"

namespace fl::colour {

using Lab = std::array<double, 3>;

// Linear Rec.709/sRGB primaries (D65) to CIELAB with the D65 white (L 100 at linear 1.0).
Lab lab_from_linear_rec709(double r, double g, double b);

// CIEDE2000 (Sharma, Wu, Dalal 2005), kL = kC = kH = 1.
double ciede2000(const Lab& a, const Lab& b);

struct DeltaEStats {
  double mean = 0;
  double p95 = 0;
  double max = 0;
  size_t pixels = 0;
};

// Per-pixel CIEDE2000 of two linear Rec.709 frames of the same size (values are clamped to
// [0, 1] first, as a display would). `step` samples every step-th pixel in x and y.
DeltaEStats delta_e2000(const Image& a, const Image& b, int step = 1);

}  // namespace fl::colour
