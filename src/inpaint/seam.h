// Seamless blending of a fill into its surroundings: Poisson image editing (Perez, Gangnet and
// Blake 2003) with the fill as the guidance field. Keeping the fill's gradients and meeting the
// surroundings at the hole's edge is the same as adding to the fill a membrane (a harmonic
// function) that takes the surroundings' difference on the boundary; the membrane is solved
// coarse to fine, so a large hole costs a few sweeps per level, not thousands.
#pragma once

#include <opencv2/core.hpp>

namespace fl::inpaint {

// Adds to `fill` (3 channels, float) over `region` the membrane whose boundary values are
// `difference` (what the surroundings minus the fill's own estimate there are) where `known`
// is set; boundary pixels without a known difference hold the fill as it is (0).
void add_membrane(cv::Mat3f& fill, const cv::Mat1b& region, const cv::Mat3f& difference,
                  const cv::Mat1b& known);

// A noisy boundary difference (film grain differs frame to frame) smoothed along the boundary:
// the mean of `difference` over `known` pixels within `radius`, where any are.
cv::Mat3f smooth_difference(const cv::Mat3f& difference, const cv::Mat1b& known, int radius);

}  // namespace fl::inpaint
