#include "analysis/character_matte.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace fl::analysis {
namespace {

// A body's extent around its face, in face widths and heights: shoulders are about three face
// widths across, and a standing figure about seven and a half heads tall.
constexpr float kBodyHalfWidth = 2.2f;  // region searched, each side of the face's centre
constexpr float kBodyFlatWidth = 1.6f;  // full weight within this, falling off beyond
constexpr float kBodyFalloff = 0.5f;
constexpr float kAboveHead = 0.6f;  // hair above the box
constexpr float kBodyHeight = 7.5f;

struct Body {
  float cx, top, w, h;  // face centre x, face top, face size: pixels at the matte's scale
};

Body body_of(const FaceBox& f, double scale) {
  const float s = float(scale);
  return {(f.x + f.w / 2) * s, f.y * s, f.w * s, f.h * s};
}

// How much of a body a column is, by its distance from the face's centre in face widths.
float across(const Body& b, float x) {
  const float d = std::abs(x - b.cx) / b.w;
  if (d <= kBodyFlatWidth) return 1.f;
  const float t = (d - kBodyFlatWidth) / kBodyFalloff;
  return std::exp(-t * t);
}

}  // namespace

std::optional<FaceBox> face_at(const Character& c, int64_t f) {
  for (const CharacterTrack& t : c.tracks) {
    if (f < t.start || f > t.end || t.boxes.empty()) continue;
    auto it = std::lower_bound(t.boxes.begin(), t.boxes.end(), f,
                               [](const FaceBox& b, int64_t frame) { return b.frame < frame; });
    if (it != t.boxes.end() && it->frame == f) return *it;
    if (it == t.boxes.begin()) return *it;
    if (it == t.boxes.end()) return t.boxes.back();
    const FaceBox& a = *(it - 1);
    const FaceBox& b = *it;
    const float k = float(f - a.frame) / float(b.frame - a.frame);
    auto mix = [k](float u, float v) { return u + (v - u) * k; };
    return FaceBox{f,
                   mix(a.x, b.x),
                   mix(a.y, b.y),
                   mix(a.w, b.w),
                   mix(a.h, b.h),
                   std::min(a.confidence, b.confidence)};
  }
  return std::nullopt;
}

cv::Mat character_matte(const cv::Mat& bgr, double scale, const Cast& cast, size_t who,
                        int64_t frame, ml::PersonSegmenter& segmenter, const MatteOptions& o) {
  cv::Mat matte(bgr.size(), CV_32F, cv::Scalar(0));
  const std::optional<FaceBox> face =
      who < cast.characters.size() ? face_at(cast.characters[who], frame) : std::nullopt;
  if (face) {
    const Body me = body_of(*face, scale);
    std::vector<Body> others;
    for (size_t i = 0; i < cast.characters.size(); ++i)
      if (i != who)
        if (auto f = face_at(cast.characters[i], frame)) others.push_back(body_of(*f, scale));

    const cv::Rect frame_rect(0, 0, bgr.cols, bgr.rows);
    const cv::Rect region = cv::Rect(int(std::floor(me.cx - kBodyHalfWidth * me.w)),
                                     int(std::floor(me.top - kAboveHead * me.h)),
                                     int(std::ceil(2 * kBodyHalfWidth * me.w)),
                                     int(std::ceil((kAboveHead + kBodyHeight) * me.h))) &
                            frame_rect;
    if (region.area() >= 16) {
      const cv::Mat person = segmenter.segment(bgr(region));
      for (int y = 0; y < region.height; ++y) {
        const float* p = person.ptr<float>(y);
        float* m = matte.ptr<float>(region.y + y);
        const float fy = float(region.y + y);
        for (int x = 0; x < region.width; ++x) {
          const float fx = float(region.x + x);
          float w = across(me, fx);
          // A column nearer (in face widths) to another character on the frame is theirs.
          const float mine = std::abs(fx - me.cx) / me.w;
          for (const Body& b : others)
            if (fy > b.top - kAboveHead * b.h && std::abs(fx - b.cx) / b.w < mine) w = 0;
          m[region.x + x] = p[x] * w;
        }
      }
    }
    // The face itself, whatever the segmentation made of it (animation, strong light).
    cv::Mat head(bgr.size(), CV_32F, cv::Scalar(0));
    cv::ellipse(head, cv::Point(int(std::lround(me.cx)), int(std::lround(me.top + me.h * 0.45f))),
                cv::Size(int(std::lround(me.w * 0.55f)), int(std::lround(me.h * 0.65f))), 0, 0, 360,
                cv::Scalar(1), cv::FILLED, cv::LINE_AA);
    matte = cv::max(matte, head);
  }
  const float dilate = o.dilate * float(scale);
  if (dilate >= 0.5f) {
    const int r = int(std::lround(dilate));
    cv::dilate(matte, matte, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
  }
  const float feather = o.feather * float(scale);
  // The soft edge's 10-90% width is about 2.5 sigma.
  if (feather >= 0.5f)
    cv::GaussianBlur(matte, matte, {0, 0}, feather / 2.5, 0, cv::BORDER_REPLICATE);
  if (o.invert) matte = 1.0 - matte;
  return matte;
}

}  // namespace fl::analysis
