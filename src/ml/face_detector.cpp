#include "ml/face_detector.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace fl::ml {
namespace {

// BlazeFace's 896 anchors, normalised to the input square: a 16x16 grid with 2 per cell, then
// an 8x8 grid with 6 per cell, row by row; all of unit size (MediaPipe's fixed_anchor_size).
std::vector<cv::Point2f> blazeface_anchors() {
  std::vector<cv::Point2f> a;
  a.reserve(896);
  for (auto [cells, per_cell] : {std::pair{16, 2}, std::pair{8, 6}})
    for (int y = 0; y < cells; ++y)
      for (int x = 0; x < cells; ++x)
        for (int k = 0; k < per_cell; ++k)
          a.emplace_back((float(x) + 0.5f) / float(cells), (float(y) + 0.5f) / float(cells));
  return a;
}

float sigmoid(float logit) { return 1.0f / (1.0f + std::exp(-std::clamp(logit, -80.0f, 80.0f))); }

}  // namespace

float intersection_over_union(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

std::vector<FaceDetection> weighted_nms(std::vector<FaceDetection> faces, float iou) {
  std::sort(faces.begin(), faces.end(),
            [](const FaceDetection& a, const FaceDetection& b) { return a.score > b.score; });
  std::vector<FaceDetection> kept;
  std::vector<bool> used(faces.size(), false);
  for (size_t i = 0; i < faces.size(); ++i) {
    if (used[i]) continue;
    FaceDetection blend{};
    float weight = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    for (size_t j = i; j < faces.size(); ++j) {
      if (used[j] || intersection_over_union(faces[i].box, faces[j].box) <= iou) continue;
      used[j] = true;
      const float w = faces[j].score;
      const cv::Rect2f& b = faces[j].box;
      x0 += w * b.x, y0 += w * b.y, x1 += w * (b.x + b.width), y1 += w * (b.y + b.height);
      for (size_t k = 0; k < blend.keypoints.size(); ++k)
        blend.keypoints[k] += w * faces[j].keypoints[k];
      weight += w;
    }
    blend.box = cv::Rect2f(x0 / weight, y0 / weight, (x1 - x0) / weight, (y1 - y0) / weight);
    for (auto& k : blend.keypoints) k /= weight;
    blend.score = faces[i].score;  // the best of the cluster, as MediaPipe keeps it
    kept.push_back(blend);
  }
  return kept;
}

Result<FaceDetector> FaceDetector::open(ModelId model, FaceDetectorOptions options) {
  if (model != ModelId::kFaceDetectFar && model != ModelId::kFaceDetectNear)
    return invalid_argument("FaceDetector runs a BlazeFace model");
  FaceDetector d;
  FL_ASSIGN_OR_RETURN(d.net_, load_model(model));
  d.size_ = model == ModelId::kFaceDetectFar ? 256 : 128;
  d.options_ = options;
  d.anchors_ = blazeface_anchors();
  d.outputs_ = {"Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0"};
  return d;
}

std::vector<FaceDetection> FaceDetector::detect(const cv::Mat& bgr) {
  CV_Assert(bgr.type() == CV_8UC3 && !bgr.empty());
  // Letterbox into the square, centred, so the anchors see faces in their own proportions.
  const float scale = float(size_) / float(std::max(bgr.cols, bgr.rows));
  const int w = std::max(1, int(std::lround(bgr.cols * scale)));
  const int h = std::max(1, int(std::lround(bgr.rows * scale)));
  const int x0 = (size_ - w) / 2, y0 = (size_ - h) / 2;
  cv::Mat square(size_, size_, CV_8UC3, cv::Scalar::all(0));
  cv::Mat fitted;
  cv::resize(bgr, fitted, {w, h}, 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  fitted.copyTo(square(cv::Rect(x0, y0, w, h)));
  cv::cvtColor(square, square, cv::COLOR_BGR2RGB);
  // NHWC in [-1, 1]: the layout the converted TFLite graph kept.
  cv::Mat input;
  square.convertTo(input, CV_32FC3, 1.0 / 127.5, -1.0);
  const cv::Mat blob(std::vector<int>{1, size_, size_, 3}, CV_32F, input.ptr<float>());
  net_.setInput(blob);
  std::vector<cv::Mat> out;
  net_.forward(out, outputs_);

  std::vector<FaceDetection> found;
  const float s = float(size_);
  auto to_image = [&](float nx, float ny) {
    return cv::Point2f((nx * s - float(x0)) / scale, (ny * s - float(y0)) / scale);
  };
  size_t anchor = 0;
  for (int grid = 0; grid < 2; ++grid) {
    const cv::Mat& logits = out[size_t(grid)];
    const cv::Mat& regs = out[size_t(grid) + 2];
    const int n = int(logits.total());
    const float* score = logits.ptr<float>();
    const float* reg = regs.ptr<float>();
    for (int i = 0; i < n; ++i, ++anchor) {
      const float p = sigmoid(score[i]);
      if (p < options_.min_score) continue;
      const float* r = reg + size_t(i) * 16;
      const cv::Point2f a = anchors_[anchor];
      const float cx = a.x + r[0] / s, cy = a.y + r[1] / s, bw = r[2] / s, bh = r[3] / s;
      FaceDetection f;
      const cv::Point2f tl = to_image(cx - bw / 2, cy - bh / 2);
      const cv::Point2f br = to_image(cx + bw / 2, cy + bh / 2);
      f.box = cv::Rect2f(tl, br);
      f.score = p;
      for (int k = 0; k < 6; ++k)
        f.keypoints[size_t(k)] = to_image(a.x + r[4 + 2 * k] / s, a.y + r[5 + 2 * k] / s);
      found.push_back(f);
    }
  }
  auto faces = weighted_nms(std::move(found), options_.nms_iou);
  std::erase_if(faces, [&](const FaceDetection& f) { return f.box.width < options_.min_size; });
  return faces;
}

}  // namespace fl::ml
