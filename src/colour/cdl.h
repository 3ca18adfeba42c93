// ASC Color Decision List (CDL v1.2) math: slope, offset, power per channel, then saturation.
//
//   sop = in * slope + offset
//   out = sop ^ power                    (see CdlStyle for what happens outside [0, 1])
//   luma = 0.2126 R + 0.7152 G + 0.0722 B  (Rec.709 weights, as the ASC spec prescribes)
//   out = luma + saturation * (out - luma)
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "framelock/status.h"

namespace fl::colour {

struct Cdl {
  std::array<double, 3> slope{1, 1, 1}, offset{0, 0, 0}, power{1, 1, 1};
  double saturation = 1;
  std::string id, description;

  bool is_identity() const;
  bool operator==(const Cdl&) const = default;
};

enum class CdlStyle {
  // The default for framelock's linear-float pipeline; identical to OpenColorIO's
  // CDL_NO_CLAMP: nothing is clamped, and power applies to positive values only while
  // negative values pass through unchanged. Clamping above 1 would destroy highlights in
  // scene-linear data, and clamping negatives to 0 would destroy out-of-gamut colour (and make
  // an identity CDL lossy); passing negatives through keeps the curve continuous at 0 and
  // matches what OCIO at our I/O edges and other OCIO-based hosts compute for the same CDL.
  kNoClamp,
  // ASC CDL v1.2 as written, for display-referred 0..1 data (OCIO's CDL_ASC): the SOP result is
  // clamped to [0, 1] before power, and the final result clamped to [0, 1] again.
  kAscClamp,
};

// invalid_argument (naming the field) for negative or non-finite slope, power or saturation,
// or non-finite offset.
Status validate_cdl(const Cdl& cdl);

// In place on interleaved float RGBA; alpha is untouched. kNoClamp passes NaN through (as OCIO
// does); kAscClamp's clamps turn it into 0.
void apply_cdl(const Cdl& cdl, float* rgba, size_t pixels, CdlStyle style = CdlStyle::kNoClamp);

}  // namespace fl::colour
