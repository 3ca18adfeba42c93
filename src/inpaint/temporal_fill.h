// Object removal by propagation (the idea behind flow-guided video inpainting such as
// ProPainter and E2FGVI, done classically): what is behind the hole in this frame was often
// visible in a neighbouring frame. Each neighbour is aligned to this frame by a global motion
// model fitted outside the holes (a homography, exactly the identity for a locked-off camera),
// and the hole takes the real background from the nearest frames that saw it, corrected for
// exposure drift on a ring around the hole. What no neighbour saw is synthesised.
#pragma once

#include <vector>

#include "framelock/image.h"
#include "framelock/status.h"

namespace fl::inpaint {

// A frame and where it must not be trusted (its hole), in the same pixel grid: `hole` holds
// one coverage value in [0, 1] per pixel of `image`, row-major.
struct MaskedFrame {
  const Image* image = nullptr;
  const std::vector<float>* hole = nullptr;
  int offset = 0;  // frames from the one being filled (0 for itself)
};

struct FillOptions {
  int max_samples = 3;  // neighbours averaged per pixel (nearest in time first)
  double max_hole_fraction = 0.9;
  int ring = 6;  // pixels around the hole used for the exposure correction
};

struct FillReport {
  int64_t hole_pixels = 0;
  int64_t propagated = 0;   // filled from neighbours
  int64_t synthesised = 0;  // seen by no neighbour
};

// Writes `out` (same bounds as current.image): the current frame with its hole filled.
// `neighbours` may come in any order.
Status fill_from_neighbours(const MaskedFrame& current, const std::vector<MaskedFrame>& neighbours,
                            const FillOptions& options, Image& out, FillReport* report = nullptr);

}  // namespace fl::inpaint
