// Who a face is: dlib's ResNet face descriptor (docs/models.md §2) on a face chip aligned the
// way dlib aligns them, so that two chips of one person lie within 0.6 of each other.
#pragma once

#include <array>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "framelock/status.h"
#include "ml/face_detector.h"

namespace fl::ml {

using FaceDescriptor = std::array<float, 128>;

// dlib's same-person threshold: descriptors of one person are closer than this.
constexpr float kSamePersonDistance = 0.6f;

float descriptor_distance(const FaceDescriptor& a, const FaceDescriptor& b);

// The 150x150 chip dlib's network was trained on (dlib's get_face_chip_details, padding 0.25):
// a similarity transform that puts the eyes, nose tip and mouth where dlib's mean face has them.
cv::Mat aligned_face_chip(const cv::Mat& bgr, const FaceDetection& face);

class FaceDescriber {
 public:
  static Result<FaceDescriber> open();
  // One descriptor per face, in order; the faces of one picture run as one batch.
  std::vector<FaceDescriptor> describe(const cv::Mat& bgr, const std::vector<FaceDetection>& faces);
  // Chips already aligned (aligned_face_chip), 150x150 BGR 8-bit.
  std::vector<FaceDescriptor> describe_chips(const std::vector<cv::Mat>& chips);

 private:
  FaceDescriber() = default;
  cv::dnn::Net net_;
};

}  // namespace fl::ml
