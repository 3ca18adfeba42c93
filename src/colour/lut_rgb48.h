// Fast 3D LUT kernel for packed 16-bit RGB (FFmpeg's rgb48: 3 x uint16 per pixel).
//
// prepare_lut3d() does the per-LUT work once: the lattice is padded to 4 floats per vertex so a
// vertex is one 16-byte load, and for each channel every one of the 65536 code values gets its
// precomputed (lattice offset, fraction), computed with the same float arithmetic as FFmpeg's
// lut3d (v / 65535 * (size - 1), clipped to the lattice). Per pixel that leaves three table
// loads, the tetrahedron choice and four fused multiply-adds. Outputs are rounded to nearest
// (FFmpeg truncates, so it sits up to 1 code value lower) and clamped to 0..65535.
//
// The prepared object is immutable and cheap to copy (shared data); one can be used from many
// threads at once. The kernel itself never creates threads (DESIGN.md: the renderer schedules).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "colour/lut.h"
#include "framelock/status.h"

namespace fl::colour {

class PreparedLut3D {
 public:
  struct Data;
  PreparedLut3D() = default;
  explicit PreparedLut3D(std::shared_ptr<const Data> data) : data_(std::move(data)) {}
  bool empty() const { return !data_; }
  int size() const;
  Interp interp() const;
  const Data& data() const { return *data_; }

 private:
  std::shared_ptr<const Data> data_;
};

// invalid_argument if the LUT fails validate_lut(). Takes ~1.5 MB of tables plus 16 bytes per
// lattice vertex (575 KB for a 33^3 LUT).
Result<PreparedLut3D> prepare_lut3d(const Lut3D& lut, Interp interp = Interp::kTetrahedral);

// `in` and `out` hold `pixels` RGB triplets; they may be the same buffer (in place), but must
// not otherwise overlap. Uses AVX2+FMA when the CPU has them, else a portable loop with the
// same results to float rounding. A default-constructed (empty) PreparedLut3D copies in to out.
void apply_lut3d_rgb48(const PreparedLut3D& lut, const uint16_t* in, uint16_t* out, size_t pixels);

namespace detail {
// The two implementations behind apply_lut3d_rgb48, exposed so tests can compare them.
void apply_lut3d_rgb48_scalar(const PreparedLut3D& lut, const uint16_t* in, uint16_t* out,
                              size_t pixels);
// False (and does nothing) when the CPU lacks AVX2 or FMA.
bool apply_lut3d_rgb48_avx2(const PreparedLut3D& lut, const uint16_t* in, uint16_t* out,
                            size_t pixels);
}  // namespace detail

}  // namespace fl::colour
