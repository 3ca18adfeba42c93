// The empty background of a shot (a clean plate): frames from across the shot are aligned to a
// reference frame by the global motion model and, per pixel, the middle of what they saw is
// kept (a trimmed mean of the samples sorted by brightness), so whatever moves through the
// shot and covers a pixel less than half the time is gone. Pixels masked or covered in too
// many frames (someone who never moves) are synthesised from the rest of the plate.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "framelock/image.h"
#include "framelock/status.h"

namespace fl::inpaint {

struct PlateOptions {
  int min_samples = 3;  // fewer unmasked samples than this: synthesised instead
  // The part of the reference the plate covers (reference pixels); empty: all of it. Motion is
  // still measured on whole frames; only the region's samples are held (a fill's holes).
  Rect region;
  std::function<bool()> cancelled;
};

struct PlateReport {
  int samples = 0;
  int64_t pixels = 0;
  int64_t synthesised = 0;
  int64_t masked_everywhere = 0;  // pixels no sample was allowed to show
};

class PlateBuilder {
 public:
  // `reference_mask` (nullable): where the reference must not be trusted (luma coverage).
  PlateBuilder(const Image& reference, const Image* reference_mask, int capacity,
               PlateOptions options = {});
  ~PlateBuilder();
  PlateBuilder(const PlateBuilder&) = delete;
  PlateBuilder& operator=(const PlateBuilder&) = delete;

  // Aligns `frame` (the reference's size) to the reference and keeps what it shows outside
  // `mask` (nullable). False once `capacity` samples are held.
  bool add(const Image& frame, const Image* mask);
  // The plate over the region (its bounds, in reference pixels), alpha 1.
  Result<Image> finish(PlateReport* report = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Bytes one sample of a `width`x`height` plate takes (to size `capacity` from a budget).
size_t plate_sample_bytes(int width, int height);

// The frames a plate samples: `reference` first, then up to `wanted` in all spread evenly over
// `frames`, fewer when their samples over a `width`x`height` region would pass `budget` bytes
// (never fewer than 3).
std::vector<int64_t> plate_sample_frames(int64_t frames, int64_t reference, int wanted, int width,
                                         int height, double budget);

// A plate at 1, 1/2, 1/4 and 1/8 of a `full_width`x`full_height` frame: each level over the
// plate's region at that scale (an extent halved with rounding up per level, as the renderer's
// pyramid, so that a level lines up with the frames it is shown in). The region's corners must
// lie on a grid of 8 or on the frame's edge.
std::vector<Image> plate_levels(const Image& plate, int full_width, int full_height);

}  // namespace fl::inpaint
