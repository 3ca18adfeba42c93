#include "ml/face_descriptor.h"

#include <cmath>

#include <opencv2/imgproc.hpp>

namespace fl::ml {
namespace {

constexpr int kChip = 150;

// dlib's mean face (mean_face_shape_x/y in dlib/image_transforms/interpolation.h) at the chip's
// size with padding 0.25, p' = (0.25 + p) * 100: the centres of its eye rings, its nose tip
// (point 30) and the centre of its mouth ring, in BlazeFace's keypoint order.
const std::array<cv::Point2f, 4> kChipPoints = {
    cv::Point2f(47.58f, 46.60f),   // subject's right eye (image left)
    cv::Point2f(100.48f, 46.60f),  // subject's left eye
    cv::Point2f(74.01f, 76.56f),   // nose tip
    cv::Point2f(74.01f, 105.42f),  // mouth centre
};

// Least-squares similarity (rotation, uniform scale, shift) taking `from` onto `to`.
cv::Mat similarity(const std::array<cv::Point2f, 4>& from, const std::array<cv::Point2f, 4>& to) {
  // x' = a x - b y + tx, y' = b x + a y + ty
  cv::Mat A(8, 4, CV_64F), rhs(8, 1, CV_64F);
  for (int i = 0; i < 4; ++i) {
    const cv::Point2f p = from[size_t(i)], q = to[size_t(i)];
    double* r0 = A.ptr<double>(2 * i);
    double* r1 = A.ptr<double>(2 * i + 1);
    r0[0] = p.x, r0[1] = -p.y, r0[2] = 1, r0[3] = 0;
    r1[0] = p.y, r1[1] = p.x, r1[2] = 0, r1[3] = 1;
    rhs.at<double>(2 * i) = q.x;
    rhs.at<double>(2 * i + 1) = q.y;
  }
  cv::Mat x;
  cv::solve(A, rhs, x, cv::DECOMP_SVD);
  const double a = x.at<double>(0), b = x.at<double>(1);
  return (cv::Mat_<double>(2, 3) << a, -b, x.at<double>(2), b, a, x.at<double>(3));
}

}  // namespace

float descriptor_distance(const FaceDescriptor& a, const FaceDescriptor& b) {
  float sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(sum);
}

cv::Mat aligned_face_chip(const cv::Mat& bgr, const FaceDetection& face) {
  const std::array<cv::Point2f, 4> from = {face.keypoints[0], face.keypoints[1], face.keypoints[2],
                                           face.keypoints[3]};
  cv::Mat chip;
  cv::warpAffine(bgr, chip, similarity(from, kChipPoints), {kChip, kChip}, cv::INTER_LINEAR,
                 cv::BORDER_REPLICATE);
  return chip;
}

Result<FaceDescriber> FaceDescriber::open() {
  FaceDescriber d;
  FL_ASSIGN_OR_RETURN(d.net_, load_model(ModelId::kFaceDescriptor));
  return d;
}

std::vector<FaceDescriptor> FaceDescriber::describe(const cv::Mat& bgr,
                                                    const std::vector<FaceDetection>& faces) {
  std::vector<cv::Mat> chips;
  chips.reserve(faces.size());
  for (const auto& f : faces) chips.push_back(aligned_face_chip(bgr, f));
  return describe_chips(chips);
}

std::vector<FaceDescriptor> FaceDescriber::describe_chips(const std::vector<cv::Mat>& chips) {
  std::vector<FaceDescriptor> out;
  if (chips.empty()) return out;
  // RGB 0..255, NCHW: the network subtracts its mean and scales inside.
  net_.setInput(cv::dnn::blobFromImages(chips, 1.0, {kChip, kChip}, cv::Scalar(), true, false));
  const cv::Mat d = net_.forward("descriptor");
  out.resize(chips.size());
  for (size_t i = 0; i < chips.size(); ++i) std::copy_n(d.ptr<float>(int(i)), 128, out[i].begin());
  return out;
}

}  // namespace fl::ml
