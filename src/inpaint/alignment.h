// Global motion between frames, measured where both frames are trusted (outside their masks):
// the shared front end of fill, clean_plate and extend. Analysis runs on a small perceptual
// grey of each frame (at most kAnalysisSize wide), motion is a homography in full-size pixels,
// exactly the identity for a locked-off camera (copying keeps the background exact).
#pragma once

#include <opencv2/core.hpp>
#include <optional>

#include "framelock/image.h"

namespace fl::inpaint {

constexpr float kHoleThreshold = 0.01f;  // any coverage at all: not to be trusted, to be filled
constexpr int kAnalysisSize = 640;       // motion is measured on frames this wide at most

// An Image as an OpenCV view (4 float channels; no copy).
cv::Mat view(const Image& img);

// A mask's coverage in a frame's pixel grid (the mask may have another size).
class Coverage {
 public:
  Coverage(const Image& mask, int width, int height);
  float at(int x, int y) const;
  // Full-resolution coverage over `r` (frame pixels).
  cv::Mat1f region(const cv::Rect& r) const;
  // The largest coverage in each cell of a `size` grid over a `width`x`height` frame.
  cv::Mat1f cells(cv::Size size, int width, int height) const;

 private:
  const Image& mask_;
  double sx_, sy_;
  bool same_;
};

// The analysis grid of a frame: its size and the factor from full-size pixels.
struct AnalysisGrid {
  double factor = 1;
  cv::Size size;
};
AnalysisGrid analysis_grid(int width, int height);

// Small perceptual grey for feature tracking (linear light would crush the shadows).
cv::Mat1b analysis_grey(const Image& img, cv::Size size);

// Where features may be taken: outside the hole, with a margin (edges of the object move too).
// Without a mask, everywhere.
cv::Mat1b trusted_cells(const Coverage* cov, cv::Size size, int width, int height);

struct Motion {
  cv::Matx33d h = cv::Matx33d::eye();  // current-frame pixel -> neighbour pixel (full size)
  bool identity = true;
  bool tracked = false;  // enough features to say (false: assumed still)
};

// The homography from `cur` to `nb` (analysis greys and their trusted cells) in full-size
// pixels of a `full` frame.
Motion estimate_motion(const cv::Mat1b& cur, const cv::Mat1b& cur_trusted, const cv::Mat1b& nb,
                       const cv::Mat1b& nb_trusted, double factor, cv::Size full);

// What a global model misses (parallax: a scene that is not one plane), around a hole: the
// motion from the current frame to a neighbour already aligned to it, both over one area of the
// current frame (float RGBA pixels and hole coverage), measured where both are trusted, as one
// local affine motion (the area is one patch of the scene). In the area's full-size pixels: the
// current pixel p sees the aligned neighbour at A p. nullopt when the global model already
// explains the motion (the residual is under a quarter pixel, or following it does not bring the
// two pictures closer).
std::optional<cv::Matx33d> local_motion(const cv::Mat& cur, const cv::Mat1f& cur_hole,
                                        const cv::Mat& aligned, const cv::Mat1f& aligned_hole);

// The box of the neighbour that `h` maps `roi` into, with a margin for interpolation.
cv::Rect mapped_box(const cv::Matx33d& h, const cv::Rect& roi, cv::Size frame);

}  // namespace fl::inpaint
