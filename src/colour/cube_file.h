// .cube LUT files: IRIDAS/Adobe (TITLE, DOMAIN_MIN/MAX, LUT_1D_SIZE or LUT_3D_SIZE) and
// DaVinci Resolve (LUT_1D_INPUT_RANGE / LUT_3D_INPUT_RANGE, and a 1D "shaper" followed by a 3D
// LUT in the same file).
//
// Reading is strict about the data (count, numbers, sizes; errors say "file:line: message") and
// tolerant about the header: comments anywhere, CRLF, unknown keywords before the data, keywords
// in any order. DOMAIN_MIN/MAX set the domain of the file's first LUT (the shaper when there
// is one); the *_INPUT_RANGE keywords set one LUT's domain and win over DOMAIN_*.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "colour/lut.h"
#include "core/output_pipeline.h"
#include "framelock/status.h"

namespace fl::colour {

struct CubeFile {
  std::string title;
  std::vector<std::string> comments;  // header comment lines, without the leading '#'
  std::optional<Lut1D> lut1d;         // applied first when both are present
  std::optional<Lut3D> lut3d;
};

// Errors are corrupt_data "<name_for_errors>:<line>: <message>".
Result<CubeFile> parse_cube(std::string_view text, std::string_view name_for_errors);
// not_found / permission_denied name the path; parse errors as parse_cube.
Result<CubeFile> read_cube_file(const std::string& path);

// Text of a .cube holding the file's LUT(s); values are written with the shortest text that
// reads back bit-identical. invalid_argument if a LUT is invalid, there is no LUT, or a file
// with both LUTs has a 3D domain that differs between channels (Resolve's format cannot say it).
Result<std::string> format_cube(const CubeFile& cube);
// format_cube, written to record.path through the pipeline (a temp file, the rename, the
// finishers), as an OutputKind::kLook.
Status write_cube(const OutputPipeline& pipeline, const OutputRecord& record, const CubeFile& cube);

// The file's shaper then 3D LUT, in place on interleaved float RGBA (alpha untouched).
void apply_cube(const CubeFile& cube, Interp interp, float* rgba, size_t pixels);

}  // namespace fl::colour
