// Transfer functions at the I/O edges: encoded code values <-> linear light.
// The curves come from OpenColorIO transforms, baked once into tables so that converting a 4K
// frame costs a table lookup per channel instead of a pow().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "framelock/status.h"

namespace fl::colour {

enum class Transfer { kLinear, kSrgb, kBt709, kGamma22, kGamma24, kGamma28 };

std::string_view transfer_name(Transfer t);
// Accepts our names ("linear", "srgb", "rec709", "gamma22", "gamma24", "gamma28") and FFmpeg's
// colour_trc names ("bt709", "iec61966-2-1", "smpte170m", "bt2020-10", "linear", ...).
Result<Transfer> parse_transfer(std::string_view name);
// The transfer to assume for media: its tag when it has one, else what such media usually is
// (float formats are linear, stills sRGB, video Rec.709).
Transfer transfer_for_media(std::string_view trc_tag, bool float_format, bool still_image);

class TransferCurve {
 public:
  // Built on first use and then shared; safe to call from any thread.
  static const TransferCurve& get(Transfer t);

  Transfer transfer() const { return transfer_; }
  bool is_linear() const { return transfer_ == Transfer::kLinear; }

  // Exact table for 16-bit code values (value / 65535 -> linear).
  const float* u16_to_linear_table() const { return u16_to_linear_.get(); }
  float u16_to_linear(uint16_t v) const { return u16_to_linear_[v]; }
  float to_linear(float encoded) const { return lookup(to_linear_.get(), encoded); }
  float to_encoded(float linear) const { return lookup(to_encoded_.get(), linear); }

  // In place on interleaved RGBA; alpha is left alone.
  void rgba_to_linear(float* rgba, size_t pixels) const;
  void rgba_to_encoded(float* rgba, size_t pixels) const;

 private:
  explicit TransferCurve(Transfer t);
  // Tables indexed by the top 16 bits of the float's bit pattern (sign, exponent, 7 mantissa
  // bits), linearly interpolated on the low 16 bits: relative spacing 1/128 keeps the error
  // below 16-bit precision for every smooth curve, including pure gammas near zero.
  static float lookup(const float* table, float x);

  Transfer transfer_;
  std::unique_ptr<float[]> u16_to_linear_;
  std::unique_ptr<float[]> to_linear_;   // 65537 entries
  std::unique_ptr<float[]> to_encoded_;  // 65537 entries
};

}  // namespace fl::colour
