// A clip's frame as the models and the pictures made for people want it: display-referred
// 8-bit BGR, from the decoder's 16-bit code values when it has them, else encoded from linear.
#pragma once

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

}  // namespace fl::analysis
