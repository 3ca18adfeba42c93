// A deliberately hard 3D LUT for golden tests and the benchmark: channel crosstalk, a hue
// rotation, a contrast S-curve and a red gain that pushes values past 1 (so output clamping is
// exercised). Smooth, but far from the identity in every direction. Header-only so that
// bench/bench_lut3d.cpp can share it.
#pragma once

#include <algorithm>
#include <cmath>

#include "colour/lut.h"

namespace fl::colour::fixture {

inline void strong_grade(const float in[3], float out[3]) {
  // Crosstalk.
  float r = 0.80f * in[0] + 0.15f * in[1] + 0.05f * in[2];
  float g = 0.10f * in[0] + 0.75f * in[1] + 0.15f * in[2];
  float b = 0.05f * in[0] + 0.20f * in[1] + 0.75f * in[2];
  // Hue rotation by 25 degrees about the grey axis (Rodrigues' formula on the unit diagonal).
  const float a = 25.0f * 3.14159265f / 180.0f;
  const float c = std::cos(a), s = std::sin(a), k = (1 - c) / 3, q = s / std::sqrt(3.0f);
  float rr = (c + k) * r + (k - q) * g + (k + q) * b;
  float gg = (k + q) * r + (c + k) * g + (k - q) * b;
  float bb = (k - q) * r + (k + q) * g + (c + k) * b;
  // S-curve per channel after a mild gamma, then a red gain past 1.
  auto curve = [](float x) {
    x = std::clamp(x, 0.0f, 1.0f);
    x = std::pow(x, 0.8f);
    return x * x * (3.0f - 2.0f * x) * 0.7f + x * 0.3f;
  };
  out[0] = curve(rr) * 1.12f - 0.02f;
  out[1] = curve(gg);
  out[2] = curve(bb) * 0.95f + 0.03f;
}

inline Lut3D strong_grade_lut(int size) {
  Lut3D lut = identity_lut3d(size);
  for (size_t i = 0; i < lut.rgb.size(); i += 3) {
    float in[3] = {lut.rgb[i], lut.rgb[i + 1], lut.rgb[i + 2]};
    strong_grade(in, &lut.rgb[i]);
  }
  return lut;
}

}  // namespace fl::colour::fixture
