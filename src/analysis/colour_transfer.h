// The simple peers scene lock is measured against (docs/benchmarks.md): per-channel histogram
// matching, Reinhard et al.'s colour transfer (2001, mean and standard deviation in l-alpha-
// beta space), and a low-order grade fitted by distribution distance alone. Each is fitted from the
// frames of a shot and a reference, and baked into a 3D LUT over code values so it applies to the
// shot the same way scene lock's grade does.
#pragma once

#include <vector>

#include "colour/lut.h"
#include "colour/transfer.h"
#include "framelock/image.h"
#include "framelock/status.h"

namespace fl::analysis {

// Per-channel CDF matching of the shot's code values onto the reference's (as OpenCV/skimage
// `match_histograms` do), over all pixels of `shot_frames`.
colour::Lut3D histogram_match_lut(const std::vector<Image>& shot_frames, const Image& reference,
                                  colour::Transfer encoding, int lut_size = 33);

// Reinhard colour transfer: per-channel mean and standard deviation in l-alpha-beta.
colour::Lut3D reinhard_lut(const std::vector<Image>& shot_frames, const Image& reference,
                           colour::Transfer encoding, int lut_size = 33);

// A low-order grade (per-channel curves and a 3x3 matrix, the model a colourist's primaries
// make) fitted to the whole pictures' distributions, with no correspondence: the shot's pixels
// sorted by lightness are paired band by band with the reference's (optimal transport along
// lightness, each band's colours kept together), and the grade minimises their distance.
Result<colour::Lut3D> distribution_fit_lut(const std::vector<Image>& shot_frames,
                                           const Image& reference, colour::Transfer encoding,
                                           int lut_size = 33);

}  // namespace fl::analysis
