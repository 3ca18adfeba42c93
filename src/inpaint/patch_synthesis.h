// Exemplar synthesis for what no frame ever saw: the hole is rebuilt from patches of the same
// image, coarse to fine, as in Wexler, Shechtman and Irani's space-time completion and Newson
// et al.'s video inpainting, with PatchMatch (Barnes et al. 2009) finding the patches. Each
// level alternates nearest-neighbour search and a vote of the overlapping patches, so the hole
// takes real texture and structure instead of the smooth smear of a diffusion (Telea, NS).
// Deterministic: one seeded generator, one thread (ops never start threads).
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>

#include <opencv2/core.hpp>

namespace fl::inpaint {

struct SynthesisOptions {
  int patch = 7;       // side of a patch (odd)
  int iterations = 5;  // search-and-vote rounds per level (the finest gets fewer)
  int finest_iterations = 2;
  uint32_t seed = 0x5eed;
  // Temporal stability over variety: the coarsest level searches every source patch and finer
  // ones refine locally, with no random search, so that a frame and the next (nearly the same
  // image) get nearly the same fill. Off: PatchMatch's random search at every level.
  bool stable = true;
  // Poisson-blend the synthesis into the image (a membrane from the seam around the hole).
  bool seamless = true;
  // The finest level takes each pixel from its best patch instead of the patches' mean.
  bool sharp = true;
  std::function<bool()> cancelled;  // checked between rounds
};

struct SynthesisReport {
  int levels = 0;
  bool cancelled = false;
};

// Fills the pixels of `image` (3 channels, float; distances are plain SSD, so a perceptual
// encoding serves best) where `hole` is set with content copied from where `source` is set.
// Pixels in neither are left alone and never copied from. `colours` (optional, image's size):
// the finest level copies its pixels from it instead of from `image`, which then only guides
// the search (a steadier image to match on, this frame's own pixels to copy). Returns false
// when `source` is too small to hold one patch (the caller falls back to something else).
// The encoding patch distances are best taken in: linear light would let the shadows' texture
// count for nothing. Square roots, sign-preserving for values below 0.
namespace synthesis_encoding {
inline float encode(float v) { return v < 0 ? -std::sqrt(-v) : std::sqrt(v); }
inline float decode(float v) { return v < 0 ? -v * v : v * v; }
}  // namespace synthesis_encoding

bool synthesise(cv::Mat3f& image, const cv::Mat1b& hole, const cv::Mat1b& source,
                const SynthesisOptions& options, SynthesisReport* report = nullptr,
                const cv::Mat3f* colours = nullptr);

}  // namespace fl::inpaint
