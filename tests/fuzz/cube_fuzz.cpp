// libFuzzer target for the .cube reader (built with -DFL_FUZZ=ON and clang).
// Beyond "no crash": whatever parses must write, re-read to the same LUTs, and run through the
// float and rgb48 kernels without reading outside the tables (ASan checks that).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "colour/cube_file.h"
#include "colour/lut_rgb48.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fl::colour;
  auto parsed =
      parse_cube(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.cube");
  if (!parsed.ok()) return 0;
  const CubeFile& cube = *parsed;

  auto text = format_cube(cube);
  if (!text.ok()) std::abort();
  auto again = parse_cube(*text, "again.cube");
  if (!again.ok()) std::abort();
  if (cube.lut1d.has_value() != again->lut1d.has_value() ||
      cube.lut3d.has_value() != again->lut3d.has_value()) {
    std::abort();
  }
  if (cube.lut1d &&
      (cube.lut1d->rgb != again->lut1d->rgb || cube.lut1d->domain_min != again->lut1d->domain_min ||
       cube.lut1d->domain_max != again->lut1d->domain_max)) {
    std::abort();
  }
  if (cube.lut3d &&
      (cube.lut3d->rgb != again->lut3d->rgb || cube.lut3d->domain_min != again->lut3d->domain_min ||
       cube.lut3d->domain_max != again->lut3d->domain_max)) {
    std::abort();
  }

  // Out-of-domain, NaN and infinite inputs included.
  float px[] = {0,
                0,
                0,
                1,
                1,
                1,
                1,
                1,
                -1e30f,
                1e30f,
                0.5f,
                1,
                __builtin_nanf(""),
                __builtin_inff(),
                -0.0f,
                1,
                0.25f,
                0.5f,
                0.75f,
                1};
  apply_cube(cube, Interp::kTetrahedral, px, 5);
  apply_cube(cube, Interp::kTrilinear, px, 5);
  if (cube.lut3d) {
    auto prepared = prepare_lut3d(*cube.lut3d,
                                  cube.lut3d->size % 2 ? Interp::kTrilinear : Interp::kTetrahedral);
    if (!prepared.ok()) std::abort();
    uint16_t rgb[] = {0,     0,     0,     65535, 65535, 65535, 1,    32768,
                      65534, 12345, 54321, 7,     65535, 0,     30000};
    uint16_t out[sizeof rgb / sizeof rgb[0]];
    apply_lut3d_rgb48(*prepared, rgb, out, 5);
    apply_lut3d_rgb48(*prepared, rgb, rgb, 5);
  }
  return 0;
}
