// A fill's shot-level plate: what the fill of one frame finds in no neighbour (a blemish that
// never moves, an object that stands still longer than the temporal window) would otherwise be
// synthesised anew in every frame, and synthesis per frame flickers. Instead, the holes' part of
// a clean plate (background_plate.h) is made once for the shot, from frames across it, the
// holes masked out of every sample: what some frame saw is the real background, what none saw
// is synthesised once, and every frame shows that same plate in its own view.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "core/serial.h"
#include "framelock/image.h"
#include "framelock/status.h"
#include "inpaint/background_plate.h"

namespace fl::inpaint {

struct HolePlate {
  // The plate at 1, 1/2, 1/4 and 1/8 of full size, each over the region around the lasting
  // holes (bounds in the reference frame's pixels at that scale), alpha 1.
  std::vector<Image> levels;
  int64_t reference = 0;
  int width = 0, height = 0;  // the full-size frame
  cv::Mat1b grey, trusted;    // the reference frame's analysis grey and trusted cells
  PlateReport report;

  const Image& level(double scale) const;
};

// Frame `frame` of the clip or its mask at `scale` (1 or 1/8 here).
using FrameSource = std::function<Result<Image>(int64_t frame, double scale)>;

struct HolePlateOptions {
  int window = 6;    // the fill's neighbours each side: holes that outlast it need the plate
  int samples = 25;  // frames sampled across the shot
  double sample_budget = 1.5e9;  // bytes of samples the analysis may hold
  std::function<bool(int64_t done, int64_t total)> progress;  // false: cancelled
};

// Where some hole stays covered through a whole temporal window of the fill (`window` frames
// each side, clamped to the clip), in full-size frame pixels: a locked-off camera's neighbours
// cannot have seen it, so without a plate it is synthesised per frame. Masks are read at 1/8;
// `mask_frames` 1 is a still mask for every frame. Empty when every hole is uncovered in time.
Result<Rect> lasting_hole_box(int64_t frames, int64_t mask_frames, const FrameSource& mask,
                              int window, int width, int height);

// The plate for the region around `box` (lasting_hole_box), made from frames sampled across
// the clip with the masks kept out of every sample. nullopt when no frame shows enough of the
// region to make one (the fill then synthesises per frame, as without a plate).
Result<std::optional<HolePlate>> build_hole_plate(int64_t frames, int64_t mask_frames,
                                                  const FrameSource& frame, const FrameSource& mask,
                                                  const Rect& box,
                                                  const HolePlateOptions& options = {});

// The plate in the view of `frame` (the clip's frame at the plate level's scale; `frame_mask`,
// nullable, is where it must not be trusted for measuring the motion): pixels in that frame's
// coordinates over where the plate lands, alpha the plate's coverage (0 where it does not
// reach). A locked-off camera gets the level itself.
Image plate_view(const HolePlate& plate, double scale, const Image& frame, const Image* frame_mask);

// The plate as bytes for the persistent analysis store (render/analysis_store.h), and back;
// load refuses anything inconsistent with corrupt_data. Whoever embeds it versions the format.
void save_hole_plate(serial::Writer& w, const HolePlate& plate);
Result<HolePlate> load_hole_plate(serial::Reader& r);
// What a plate holds in memory (the store's byte budget).
size_t hole_plate_bytes(const HolePlate& plate);

}  // namespace fl::inpaint
