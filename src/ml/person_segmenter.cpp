#include "ml/person_segmenter.h"

#include <opencv2/imgproc.hpp>

#include "ml/models.h"

namespace fl::ml {
namespace {
constexpr int kSize = 256;
}

Result<PersonSegmenter> PersonSegmenter::open() {
  PersonSegmenter s;
  FL_ASSIGN_OR_RETURN(s.net_, load_model(ModelId::kPersonSegmenter));
  return s;
}

cv::Mat PersonSegmenter::segment(const cv::Mat& bgr) {
  // NCHW, RGB, 0..1 (swapRB: the picture is BGR).
  net_.setInput(
      cv::dnn::blobFromImage(bgr, 1.0 / 255, {kSize, kSize}, cv::Scalar(), true, false, CV_32F));
  const cv::Mat out = net_.forward("mask");
  cv::Mat prob(kSize, kSize, CV_32F, const_cast<float*>(out.ptr<float>())), sized;
  cv::resize(prob, sized, bgr.size(), 0, 0, cv::INTER_LINEAR);
  return sized;
}

}  // namespace fl::ml
