#include "ml/content_classifier.h"

#include <opencv2/imgproc.hpp>

#include "ml/models.h"

namespace fl::ml {
namespace {
constexpr int kSize = 224;
}

std::string_view content_class_name(ContentClass c) {
  static constexpr std::string_view names[] = {"drawing", "hentai", "neutral", "porn", "sexy"};
  return names[size_t(c)];
}

Result<ContentClassifier> ContentClassifier::open() {
  ContentClassifier c;
  FL_ASSIGN_OR_RETURN(c.net_, load_model(ModelId::kContentClassifier));
  return c;
}

ContentScores ContentClassifier::classify(const cv::Mat& bgr) {
  // Area averaging when shrinking: a 4K frame squashed by bilinear sampling alone would alias.
  cv::Mat square;
  const bool shrink = bgr.cols >= kSize && bgr.rows >= kSize;
  cv::resize(bgr, square, {kSize, kSize}, 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
  // NCHW, RGB, 0..1: what nsfwjs feeds it (pixels / 255).
  net_.setInput(cv::dnn::blobFromImage(square, 1.0 / 255, {}, cv::Scalar(), true, false, CV_32F));
  const cv::Mat out = net_.forward("scores");
  ContentScores s;
  for (size_t i = 0; i < kContentClasses; ++i) s.p[i] = out.ptr<float>()[i];
  return s;
}

}  // namespace fl::ml
