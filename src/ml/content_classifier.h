// What a picture shows, as nsfwjs's classifier sees it (docs/models.md, "Content classifier"):
// the probabilities of its five classes, for the policy's content check on what generative
// operators made (docs/security.md).
#pragma once

#include <array>
#include <string_view>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "framelock/status.h"

namespace fl::ml {

enum class ContentClass { kDrawing, kHentai, kNeutral, kPorn, kSexy };
inline constexpr size_t kContentClasses = 5;
std::string_view content_class_name(ContentClass c);  // "drawing", "hentai", ...

struct ContentScores {
  std::array<float, kContentClasses> p{};  // by ContentClass; they sum to 1
  float operator[](ContentClass c) const { return p[size_t(c)]; }
};

class ContentClassifier {
 public:
  static Result<ContentClassifier> open();
  // `bgr`: 8-bit BGR, display-referred, any size: the whole picture, squashed to the model's
  // square (area-averaged when smaller, as the network expects a whole photo).
  ContentScores classify(const cv::Mat& bgr);

 private:
  ContentClassifier() = default;
  cv::dnn::Net net_;
};

}  // namespace fl::ml
