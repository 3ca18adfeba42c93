// How a mask input fits a clip, for every op that takes one (fill, clean_plate): a mask of
// another size with the same aspect is resampled (with a warning), another aspect is refused.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "graph/op.h"

namespace fl::ops {

inline std::string size_text(const graph::FrameGeometry& g) {
  return std::to_string(g.width) + "x" + std::to_string(g.height);
}

// An error naming both sizes when `mask` (width 0: absent) cannot be fitted to `clip`.
inline Status check_mask_fits(const graph::FrameGeometry& clip, const graph::FrameGeometry& mask) {
  if (mask.width == 0) return ok_status();
  const double a = double(clip.width) / clip.height, b = double(mask.width) / mask.height;
  if (std::abs(a - b) > 0.01 * a)
    return invalid_argument("the mask is " + size_text(mask) + ", the clip " + size_text(clip) +
                                ": a mask of another aspect ratio cannot be fitted",
                            "mask");
  return ok_status();
}

inline std::vector<std::string> mask_fit_warnings(const graph::FrameGeometry& clip,
                                                  const graph::FrameGeometry& mask) {
  if (mask.width == 0 || (mask.width == clip.width && mask.height == clip.height)) return {};
  return {"the mask is " + size_text(mask) + ", the clip " + size_text(clip) +
          ": the mask is resampled to the clip's size"};
}

}  // namespace fl::ops
