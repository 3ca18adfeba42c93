// Object removal by propagation (the idea behind flow-guided video inpainting such as
// ProPainter and E2FGVI, done classically): what is behind the hole in this frame was often
// visible in a neighbouring frame. Each neighbour is aligned to this frame by a global motion
// model fitted outside the holes (a homography, exactly the identity for a locked-off camera),
// and the hole takes the real background from the nearest frames that saw it, corrected for
// exposure drift on a ring around the hole and blended by a Poisson membrane. What no neighbour
// saw is synthesised from patches of the frame itself (patch_synthesis.h).
#pragma once

#include <functional>
#include <vector>

#include "framelock/image.h"
#include "framelock/status.h"

namespace fl::inpaint {

// A frame and where it must not be trusted: `mask`'s luma is the hole's coverage in [0, 1]. The
// mask may have another size of the same aspect (it is sampled in the frame's pixel grid).
struct MaskedFrame {
  const Image* image = nullptr;
  const Image* mask = nullptr;
  int offset = 0;  // frames from the one being filled (0 for itself)
};

struct FillOptions {
  int max_samples = 3;  // neighbours averaged per pixel (nearest in time first)
  double max_hole_fraction = 0.9;
  int ring = 6;  // pixels around the hole used for the exposure correction
  // Under a moving camera, refine each neighbour's global motion around the hole by a local one
  // (parallax: the scene is not one plane).
  bool local_motion = true;
  std::function<bool()> cancelled;  // checked between neighbours and before synthesis
  // What no neighbour saw comes from here when given (a clean plate in this frame's view, over
  // any part of the frame in frame coordinates; alpha: where it covers), matched in exposure on
  // the ring, instead of being synthesised per frame.
  const Image* plate = nullptr;
  // Without `plate`: makes one on demand, called only when some of the hole was seen by no
  // neighbour (measuring a plate's view costs a motion estimate, most frames need none).
  std::function<Image()> make_plate;
  // What was made rather than copied (from the plate, or synthesised) gets the footage's grain
  // back, new in each frame: seeded by `grain_seed` (the frame number), so a render repeats.
  bool regrain = true;
  uint64_t grain_seed = 0;
};

struct FillReport {
  int64_t hole_pixels = 0;
  int64_t propagated = 0;   // filled from neighbours
  int64_t synthesised = 0;  // seen by no neighbour, made from patches
  int64_t from_plate = 0;   // seen by no neighbour, taken from the plate
};

// The filled hole: the pixels of the box around it (frame coordinates, the soft mask edge
// already blended over the frame), or an empty image when the mask is empty. Neighbours of
// another size are skipped; they may come in any order.
Result<Image> fill_hole(const MaskedFrame& current, const std::vector<MaskedFrame>& neighbours,
                        const FillOptions& options, FillReport* report = nullptr);

// The whole frame with its hole filled (`out` gets current.image's bounds).
Status fill_from_neighbours(const MaskedFrame& current, const std::vector<MaskedFrame>& neighbours,
                            const FillOptions& options, Image& out, FillReport* report = nullptr);

}  // namespace fl::inpaint
