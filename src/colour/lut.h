// 1D and 3D colour lookup tables and their float kernels.
//
// A LUT maps RGB through a lattice defined on a per-channel input domain. Inputs are mapped to
// lattice coordinates with (v - domain_min) * (size - 1) / (domain_max - domain_min) and clamped
// to the lattice, as FFmpeg's lut3d filter does, so out-of-range and NaN input (NaN -> domain_min)
// never reads outside the table. Outputs are not clamped: a LUT may legitimately produce values
// outside [0, 1] in a linear-float pipeline.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include "framelock/status.h"

namespace fl::colour {

enum class Interp { kTetrahedral, kTrilinear };

// Per-channel curves sampled at `size` evenly spaced points of the domain.
struct Lut1D {
  int size = 0;
  std::vector<float> rgb;  // entry i is rgb[3i..3i+2]; size * 3 floats
  std::array<float, 3> domain_min{0, 0, 0}, domain_max{1, 1, 1};
};

// A size^3 lattice in .cube order: red varies fastest, then green, then blue.
struct Lut3D {
  int size = 0;
  std::vector<float> rgb;  // entry (r, g, b) at 3 * ((b * size + g) * size + r); size^3 * 3 floats
  std::array<float, 3> domain_min{0, 0, 0}, domain_max{1, 1, 1};
};

inline constexpr int kMinLutSize = 2;
inline constexpr int kMax1DLutSize = 65536;
inline constexpr int kMax3DLutSize = 256;

Lut1D identity_lut1d(int size);
Lut3D identity_lut3d(int size);

// Size in range, table length consistent, finite values, domain_max > domain_min. The apply
// functions assume a valid LUT; callers that build LUTs by hand check here first.
Status validate_lut(const Lut1D& lut);
Status validate_lut(const Lut3D& lut);

bool is_identity(const Lut1D& lut, float tolerance = 0.0f);
bool is_identity(const Lut3D& lut, float tolerance = 0.0f);

// In place on interleaved float RGBA; alpha is untouched. Linear interpolation per channel.
void apply_lut1d(const Lut1D& lut, float* rgba, size_t pixels);
// In place on interleaved float RGBA; alpha is untouched.
void apply_lut3d(const Lut3D& lut, Interp interp, float* rgba, size_t pixels);

}  // namespace fl::colour
