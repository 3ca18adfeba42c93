// RGB primaries and white points: what "red" means for a source, and the 3x3 matrices that move
// linear light between two such spaces (a Bradford adaptation when the whites differ, as OCIO's
// and ACES' own matrices do).
//
// A graph's working space is one set of primaries (by default its first source's); every
// source with other primaries is converted into it right after decoding, and every output is
// converted to its own primaries (by default the working space's) right before encoding.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "framelock/status.h"

namespace fl::colour {

enum class Primaries {
  kRec709,     // BT.709 / sRGB, D65
  kRec2020,    // BT.2020 / BT.2100, D65
  kP3D65,      // Display P3 / P3-D65 (SMPTE EG 432-1)
  kP3Dci,      // DCI-P3 (SMPTE RP 431-2), DCI white
  kAcesAp0,    // ACES2065-1
  kAcesAp1,    // ACEScg / ACEScct
  kBt601_625,  // PAL / BT.470 BG
  kBt601_525,  // NTSC / SMPTE 170M
};

// Our names ("rec709", "rec2020", "p3d65", "p3dci", "aces", "acescg", "bt601-625",
// "bt601-525") and FFmpeg's tag names ("bt709", "bt2020", "smpte432", "smpte431", "bt470bg",
// "smpte170m", "smpte240m").
Result<Primaries> parse_primaries(std::string_view name);
// The name parse_primaries() reads back, and FFmpeg's tag for the same primaries ("" for the
// ACES ones, which FFmpeg has no tag for).
const char* primaries_name(Primaries p);
const char* primaries_ffmpeg_name(Primaries p);
// What an untagged or unknown FFmpeg tag means: Rec.709 (what players assume for HD and what
// OIIO's formats assume).
Primaries primaries_from_tag(std::string_view ffmpeg_name);

// CIE xy of red, green, blue and white (OpenEXR's `chromaticities` attribute order), and the
// primaries whose chromaticities are within `tolerance` of `xy` (an EXR's attribute), if any.
std::array<float, 8> chromaticities_of(Primaries p);
std::optional<Primaries> match_chromaticities(const float xy[8], float tolerance = 0.002f);

// Row-major 3x3: linear RGB in `from` -> linear RGB in `to`.
using Matrix3 = std::array<double, 9>;
Matrix3 rgb_to_xyz(Primaries p);
Matrix3 primaries_conversion(Primaries from, Primaries to);

// Every name parse_primaries() accepts as ours, for schemas and messages.
std::string primaries_names();

}  // namespace fl::colour
