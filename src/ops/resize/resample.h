// Separable resampling shared by `resize` and `reformat`. Hand-written rather than OIIO's
// ImageBufAlgo::resize because the renderer hands us tiles at preview scales, and the filter
// footprint must follow the tile (region of interest) without OIIO's own threads.
#pragma once

#include <string>

#include "framelock/image.h"
#include "framelock/status.h"

namespace fl::ops {

enum class Filter { kBox, kBilinear, kBicubic, kLanczos3 };
Result<Filter> parse_filter(const std::string& name);

// Maps output pixel x (at the render scale) to input pixel coordinates: the output pixel's
// centre lands on (x + 0.5) * ratio + offset - 0.5 in the input.
struct AxisMap {
  double ratio = 1;   // input pixels per output pixel
  double offset = 0;  // in input pixels
  double to_input(int out_x) const { return (out_x + 0.5) * ratio + offset - 0.5; }
};

// Input pixels (clamped into `in_bounds`) that the filter reads for `out`.
Rect resample_region(const Rect& out, const AxisMap& mx, const AxisMap& my, Filter f,
                     const Rect& in_bounds);
// Fills `tile` of `out` from `src` (which covers resample_region(tile)); edges replicate.
void resample(const Image& src, Image& out, const Rect& tile, const AxisMap& mx, const AxisMap& my,
              Filter f, const Rect& in_bounds);

}  // namespace fl::ops
