// Faces in a picture: MediaPipe BlazeFace (docs/models.md §1) with its anchors decoded and the
// overlapping boxes blended (weighted non-maximum suppression), as MediaPipe does.
#pragma once

#include <array>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "framelock/status.h"
#include "ml/models.h"

namespace fl::ml {

struct FaceDetection {
  cv::Rect2f box;  // pixels of the image given
  float score = 0;
  // The subject's right eye, left eye, nose tip, mouth centre, right ear, left ear (pixels).
  std::array<cv::Point2f, 6> keypoints;
};

struct FaceDetectorOptions {
  float min_score = 0.6f;
  float nms_iou = 0.3f;
  // Boxes narrower than this (pixels of the image given) are dropped: too small to identify.
  float min_size = 12.0f;
};

class FaceDetector {
 public:
  // kFaceDetectFar for whole frames; kFaceDetectNear for a crop around one face.
  static Result<FaceDetector> open(ModelId model = ModelId::kFaceDetectFar,
                                   FaceDetectorOptions options = {});
  // `bgr`: 8-bit BGR (CV_8UC3) of any size; it is letterboxed to the model's square, so faces
  // keep their shape. Sorted by score, best first.
  std::vector<FaceDetection> detect(const cv::Mat& bgr);
  int input_size() const { return size_; }

 private:
  FaceDetector() = default;
  cv::dnn::Net net_;
  int size_ = 256;
  FaceDetectorOptions options_;
  std::vector<cv::Point2f> anchors_;
  std::vector<std::string> outputs_;
};

// Blends detections that overlap by more than `iou` into one, weighted by score (MediaPipe's
// weighted NMS): steadier boxes than keeping the best alone. Input in any order.
std::vector<FaceDetection> weighted_nms(std::vector<FaceDetection> faces, float iou);

float intersection_over_union(const cv::Rect2f& a, const cv::Rect2f& b);

}  // namespace fl::ml
