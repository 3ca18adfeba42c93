#include "colour/cdl.h"

#include <cmath>

namespace fl::colour {

bool Cdl::is_identity() const {
  return slope == std::array<double, 3>{1, 1, 1} && offset == std::array<double, 3>{0, 0, 0} &&
         power == std::array<double, 3>{1, 1, 1} && saturation == 1.0;
}

Status validate_cdl(const Cdl& cdl) {
  static constexpr const char* kChannel[3] = {"red", "green", "blue"};
  for (size_t c = 0; c < 3; ++c) {
    if (!std::isfinite(cdl.slope[c]) || cdl.slope[c] < 0) {
      return invalid_argument(
          std::string("slope (") + kChannel[c] + ") must be a finite number >= 0", "slope");
    }
    if (!std::isfinite(cdl.offset[c])) {
      return invalid_argument(std::string("offset (") + kChannel[c] + ") must be finite", "offset");
    }
    if (!std::isfinite(cdl.power[c]) || cdl.power[c] < 0) {
      return invalid_argument(
          std::string("power (") + kChannel[c] + ") must be a finite number >= 0", "power");
    }
  }
  if (!std::isfinite(cdl.saturation) || cdl.saturation < 0) {
    return invalid_argument("saturation must be a finite number >= 0", "saturation");
  }
  return ok_status();
}

namespace {

constexpr float kLumaR = 0.2126f, kLumaG = 0.7152f, kLumaB = 0.0722f;

// The loop is specialised on the style and on whether any power differs from 1, so that the
// common slope/offset/saturation-only grade does not pay for three powf calls per pixel.
template <bool kClamp, bool kPow>
void apply(const Cdl& cdl, float* rgba, size_t pixels) {
  float s[3], o[3], p[3];
  for (size_t c = 0; c < 3; ++c) {
    s[c] = float(cdl.slope[c]), o[c] = float(cdl.offset[c]), p[c] = float(cdl.power[c]);
  }
  const float sat = float(cdl.saturation);
  const bool do_sat = cdl.saturation != 1.0;
  for (size_t i = 0; i < pixels; ++i, rgba += 4) {
    float v[3];
    for (int c = 0; c < 3; ++c) {
      float x = rgba[c] * s[c] + o[c];
      if constexpr (kClamp) x = std::fmin(std::fmax(x, 0.0f), 1.0f);
      if constexpr (kPow) {
        if (x > 0.0f && p[c] != 1.0f) x = std::pow(x, p[c]);
      }
      v[c] = x;
    }
    if (do_sat) {
      float luma = kLumaR * v[0] + kLumaG * v[1] + kLumaB * v[2];
      for (int c = 0; c < 3; ++c) v[c] = luma + sat * (v[c] - luma);
    }
    for (int c = 0; c < 3; ++c) {
      if constexpr (kClamp) v[c] = std::fmin(std::fmax(v[c], 0.0f), 1.0f);
      rgba[c] = v[c];
    }
  }
}

}  // namespace

void apply_cdl(const Cdl& cdl, float* rgba, size_t pixels, CdlStyle style) {
  const bool pow = cdl.power != std::array<double, 3>{1, 1, 1};
  if (style == CdlStyle::kAscClamp) {
    pow ? apply<true, true>(cdl, rgba, pixels) : apply<true, false>(cdl, rgba, pixels);
  } else {
    pow ? apply<false, true>(cdl, rgba, pixels) : apply<false, false>(cdl, rgba, pixels);
  }
}

}  // namespace fl::colour
