// Scene extension: a frame widened (any padding: 4:3 to 16:9, a reframe) by borrowing what the
// neighbouring frames saw beyond its edges when the camera moves (aligned by the global motion
// model, as fill does), synthesising the rest from the frame's own patches, with a soft seam.
#pragma once

#include <vector>

#include "framelock/image.h"
#include "framelock/status.h"
#include "inpaint/temporal_fill.h"

namespace fl::inpaint {

struct Padding {
  int left = 0, right = 0, top = 0, bottom = 0;
  bool empty() const { return left == 0 && right == 0 && top == 0 && bottom == 0; }
};

struct ExtendOptions {
  int feather = 8;  // pixels inside the frame's edge over which the extension blends in
  FillOptions fill;
};

// `neighbours`: other frames of the clip (the same size as `frame`) with their offsets in time;
// their `mask` is ignored. The result is frame.width() + left + right wide, origin (0, 0).
Result<Image> extend_frame(const Image& frame, const std::vector<MaskedFrame>& neighbours,
                           const Padding& pad, const ExtendOptions& options,
                           FillReport* report = nullptr);

}  // namespace fl::inpaint
