// A clip's frame as the models and the pictures made for people want it: display-referred
// 8-bit BGR, from the decoder's 16-bit code values when it has them, else encoded from linear.
#pragma once

#include <functional>
#include <memory>

#include <opencv2/core.hpp>

#include "analysis/shots.h"
#include "framelock/status.h"
#include "io/frame_source.h"

namespace fl::analysis {

// A linear frame encoded with `transfer`, as 8-bit BGR.
cv::Mat display_bgr(const Image& linear, colour::Transfer transfer);

// `signature`, when given, gets the frame's shot signature from the same decode.
Result<cv::Mat> display_bgr(io::FrameSource& source, int64_t frame,
                            FrameSignature* signature = nullptr);

// One frame as an analysis pass reads it.
struct AnalysisFrame {
  cv::Mat bgr;               // display-referred 8-bit BGR, at the pass's scale of the full frame
  FrameSignature signature;  // for the shot detector
  // The full-resolution frame: a region of it (full-frame pixels) at `scale`, for crops that
  // need more detail than bgr holds (face identity). Empty when bgr is all there is. Callable
  // from any thread, after the source has read further frames.
  std::function<Result<cv::Mat>(const cv::Rect& region, double scale)> full;
};

// Frame i at `scale` (<= 1) of its full size. Reduced, from the decoder's frame through its own
// scaler when the source holds decoded frames (no full-size RGB frame is made); else from the
// display frame, resized.
Result<AnalysisFrame> analysis_frame(io::FrameSource& source, int64_t frame, double scale);

}  // namespace fl::analysis
