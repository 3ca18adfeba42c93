// Where people are in a picture: MediaPipe Selfie Segmentation (docs/models.md §3), a soft
// person probability per pixel. Character masks run it on the region around one character.
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "framelock/status.h"

namespace fl::ml {

class PersonSegmenter {
 public:
  static Result<PersonSegmenter> open();
  // `bgr`: 8-bit BGR of any size, squashed to the model's square as MediaPipe feeds it. The
  // person probability (CV_32F, 0..1) at the size of `bgr`.
  cv::Mat segment(const cv::Mat& bgr);

 private:
  PersonSegmenter() = default;
  cv::dnn::Net net_;
};

}  // namespace fl::ml
