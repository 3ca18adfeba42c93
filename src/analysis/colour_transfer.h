// The simple peers scene lock is measured against (docs/benchmarks.md): per-channel histogram
// matching and Reinhard et al.'s colour transfer (2001, mean and standard deviation in l-alpha-
// beta space). Each is fitted from the frames of a shot and a reference, and baked into a 3D
// LUT over code values so it applies to the shot the same way scene lock's grade does.
#pragma once

#include <vector>

#include "colour/lut.h"
#include "colour/transfer.h"
#include "framelock/image.h"

namespace fl::analysis {

// Per-channel CDF matching of the shot's code values onto the reference's (as OpenCV/skimage
// `match_histograms` do), over all pixels of `shot_frames`.
colour::Lut3D histogram_match_lut(const std::vector<Image>& shot_frames, const Image& reference,
                                  colour::Transfer encoding, int lut_size = 33);

// Reinhard colour transfer: per-channel mean and standard deviation in l-alpha-beta.
colour::Lut3D reinhard_lut(const std::vector<Image>& shot_frames, const Image& reference,
                           colour::Transfer encoding, int lut_size = 33);

}  // namespace fl::analysis
