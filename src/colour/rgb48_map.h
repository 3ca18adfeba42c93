// A per-pixel map of 16-bit code values: the form a pointwise colour op takes on the renderer's
// integer path (decoded 16-bit RGB in, 16-bit RGB out, no float frame in between).
//
// Per-channel curves (65536 entries each) come first, then an optional 3D LUT. That covers what
// can be exact on code values: a 1D LUT or per-channel gain is a function of one 16-bit value,
// so a table holds it exactly (to the output rounding); a 3D LUT is what the file says.
// Immutable and cheap to copy; one map can be used from many threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "colour/lut_rgb48.h"
#include "colour/transfer.h"

namespace fl::colour {

class Rgb48Map {
 public:
  Rgb48Map() = default;  // identity
  // `curves`: 3 x 65536 entries (red, green, blue); empty for none.
  Rgb48Map(std::vector<uint16_t> curves, PreparedLut3D lut);

  bool is_identity() const { return !curves_ && lut_.empty(); }
  const uint16_t* curves() const { return curves_ ? curves_->data() : nullptr; }
  const PreparedLut3D& lut() const { return lut_; }

  // This map, then `next`; nullopt when the result is not of the curves-then-LUT form (a curve
  // after a 3D LUT would need a second table stage).
  std::optional<Rgb48Map> then(const Rgb48Map& next) const;

  // `in` and `out` hold `pixels` packed RGB triplets; they may be the same buffer.
  void apply(const uint16_t* in, uint16_t* out, size_t pixels) const;

 private:
  std::shared_ptr<const std::vector<uint16_t>> curves_;
  PreparedLut3D lut_;
};

// Tabulates f over the 65536 code values of each channel: f(channel, value in 0..1) returns the
// new value in 0..1 (clamped and rounded to 16 bits here).
template <typename F>
std::vector<uint16_t> tabulate_curves(F&& f) {
  std::vector<uint16_t> t(3 * 65536);
  for (int c = 0; c < 3; ++c)
    for (int v = 0; v < 65536; ++v) {
      float y = f(c, float(v) * (1.0f / 65535.0f));
      y = y > 0.f ? (y < 1.f ? y : 1.f) : 0.f;  // NaN lands on 0
      t[size_t(c) * 65536 + size_t(v)] = uint16_t(y * 65535.f + 0.5f);
    }
  return t;
}

// Curves for a per-channel gain and offset in linear light (out = gain * in + offset) on code
// values encoded with `transfer`: decode, scale, re-encode, exactly as the float path does.
std::vector<uint16_t> linear_gain_curves(Transfer transfer, const float gain[3],
                                         const float offset[3]);

}  // namespace fl::colour
