#include "analysis/body_follow.h"

#include <algorithm>

#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

namespace fl::analysis {
namespace {

// The histogram bin of an HSV pixel; -1 for pixels too dark to have a hue.
int colour_bin(const cv::Vec3b& hsv) {
  if (hsv[2] < 24) return -1;
  return std::min(7, hsv[0] * 8 / 180) * 4 + std::min(3, hsv[1] / 64);
}

// Mean CIELAB of a region (8-bit BGR taken as sRGB); false when too little of it is in frame.
bool mean_lab(const cv::Mat& bgr, cv::Rect region, std::array<double, 3>& lab) {
  region &= cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (region.area() < 16) return false;
  cv::Mat f, l;
  bgr(region).convertTo(f, CV_32F, 1.0 / 255);
  cv::cvtColor(f, l, cv::COLOR_BGR2Lab);
  const cv::Scalar m = cv::mean(l);
  lab = {m[0], m[1], m[2]};
  return true;
}

// The model's back-projection (0..255, by each bin's share of the largest) over `area` of the
// frame, at the area's size.
cv::Mat back_projection(const cv::Mat& bgr, const cv::Rect& area, const std::vector<float>& model) {
  cv::Mat prob = cv::Mat::zeros(area.size(), CV_8U);
  const float top = *std::max_element(model.begin(), model.end());
  if (top <= 0 || area.empty()) return prob;
  cv::Mat hsv;
  cv::cvtColor(bgr(area), hsv, cv::COLOR_BGR2HSV);
  for (int y = 0; y < hsv.rows; ++y) {
    const auto* p = hsv.ptr<cv::Vec3b>(y);
    uint8_t* out = prob.ptr<uint8_t>(y);
    for (int x = 0; x < hsv.cols; ++x) {
      const int bin = colour_bin(p[x]);
      out[x] = bin < 0 ? 0 : uint8_t(255.f * model[size_t(bin)] / top + 0.5f);
    }
  }
  return prob;
}

}  // namespace

cv::Rect clothing_region(const cv::Rect2f& face) {
  return cv::Rect(int(face.x - 0.5f * face.width), int(face.y + 1.2f * face.height),
                  int(2.0f * face.width), int(1.5f * face.height));
}

// Hue-saturation histogram (8x4, normalised) of the clothing.
std::vector<float> body_colour(const cv::Mat& bgr, const cv::Rect2f& face) {
  const cv::Rect body = clothing_region(face) & cv::Rect(0, 0, bgr.cols, bgr.rows);
  std::vector<float> hist(32, 0.f);
  if (body.area() < 16) return {};
  cv::Mat hsv;
  cv::cvtColor(bgr(body), hsv, cv::COLOR_BGR2HSV);
  float n = 0;
  for (int y = 0; y < hsv.rows; ++y)
    for (const cv::Vec3b& p : cv::Mat_<cv::Vec3b>(hsv.row(y))) {
      const int bin = colour_bin(p);
      if (bin < 0) continue;  // black carries no hue
      hist[size_t(bin)] += 1, n += 1;
    }
  if (n < 16) return {};
  for (float& v : hist) v /= n;
  return hist;
}

// The middle half of the face (skin, not hair or background) and the clothing below it.
Appearance appearance(const cv::Mat& bgr, const cv::Rect2f& face) {
  Appearance a;
  const cv::Rect skin(int(face.x + face.width / 4), int(face.y + face.height / 4),
                      int(face.width / 2), int(face.height / 2));
  a.face_seen = mean_lab(bgr, skin, a.face) ? 1 : 0;
  a.clothing_seen = mean_lab(bgr, clothing_region(face), a.clothing) ? 1 : 0;
  return a;
}

std::vector<float> clothing_model(const cv::Mat& bgr, const cv::Rect2f& face) {
  std::vector<float> model = body_colour(bgr, face);
  if (model.empty()) return model;
  // The skin's colours, from the middle of the face: left in, the model would follow bare arms,
  // necks and the back of a head as readily as the clothes.
  const cv::Rect skin = cv::Rect(int(face.x + face.width / 4), int(face.y + face.height / 4),
                                 int(face.width / 2), int(face.height / 2)) &
                        cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (skin.area() >= 16) {
    cv::Mat hsv;
    cv::cvtColor(bgr(skin), hsv, cv::COLOR_BGR2HSV);
    std::vector<float> skin_hist(model.size(), 0.f);
    float n = 0;
    for (int y = 0; y < hsv.rows; ++y)
      for (const cv::Vec3b& p : cv::Mat_<cv::Vec3b>(hsv.row(y)))
        if (const int bin = colour_bin(p); bin >= 0) skin_hist[size_t(bin)] += 1, n += 1;
    for (size_t b = 0; b < model.size(); ++b)
      if (n > 0 && skin_hist[b] / n > 0.05f) model[b] = 0.f;
  }
  float sum = 0;
  for (float v : model) sum += v;
  if (sum < 0.2f) return {};  // clothes the colour of skin: nothing to follow
  for (float& v : model) v /= sum;
  return model;
}

float clothing_match(const cv::Mat& bgr, const cv::Rect2f& face, const std::vector<float>& model) {
  const cv::Rect body = clothing_region(face) & cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (model.empty() || body.area() < 16) return 0.f;
  return float(cv::mean(back_projection(bgr, body, model))[0] / 255.0);
}

std::vector<Sighting> follow_bodies(const cv::Mat& bgr, float to_full, int64_t frame,
                                    const std::vector<Sighting>& before,
                                    const std::vector<Sighting>& now, bool cut,
                                    const CharacterOptions& options) {
  std::vector<Sighting> followed;
  if (cut || options.max_follow <= 0) return followed;
  const cv::Rect frame_rect(0, 0, bgr.cols, bgr.rows);
  auto taken = [&](const FaceBox& box) {
    for (const Sighting& s : now)
      if (box_iou(s.box, box) > 0.1f) return true;
    for (const Sighting& s : followed)
      if (box_iou(s.box, box) > 0.1f) return true;
    return false;
  };
  for (const Sighting& prev : before) {
    if (prev.model.empty() || prev.model_score <= 0 || prev.followed_for >= options.max_follow)
      continue;
    bool continued = false;
    for (const Sighting& s : now) continued |= box_iou(prev.box, s.box) > options.link_iou;
    if (continued) continue;
    // The face box and its clothing on this frame's pixels.
    const cv::Rect2f face(prev.box.x / to_full, prev.box.y / to_full, prev.box.w / to_full,
                          prev.box.h / to_full);
    const cv::Rect body = clothing_region(face);
    if ((body & frame_rect).area() < body.area() / 2) continue;  // leaving the frame
    // Search a body's size around where it was.
    const cv::Rect area = cv::Rect(body.x - body.width / 2, body.y - body.height / 2,
                                   2 * body.width, 2 * body.height) &
                          frame_rect;
    // Mean shift within the search area (the back-projection is zero outside it).
    const cv::Mat prob = back_projection(bgr, area, prev.model);
    const cv::Rect start = (body & frame_rect) - area.tl();
    cv::Rect window = start;
    cv::meanShift(prob, window,
                  cv::TermCriteria(cv::TermCriteria::COUNT | cv::TermCriteria::EPS, 10, 1));
    const float score = float(cv::mean(prob(window & cv::Rect({}, prob.size())))[0] / 255.0);
    if (score < options.follow_match * prev.model_score) continue;
    const cv::Point shift = window.tl() - start.tl();
    Sighting s;
    s.box = {frame,
             prev.box.x + float(shift.x) * to_full,
             prev.box.y + float(shift.y) * to_full,
             prev.box.w,
             prev.box.h,
             0.f};
    if (taken(s.box)) continue;  // someone's face is there now
    const cv::Rect2f moved(face.x + float(shift.x), face.y + float(shift.y), face.width,
                           face.height);
    s.body = body_colour(bgr, moved);
    s.look.clothing_seen = mean_lab(bgr, clothing_region(moved), s.look.clothing) ? 1 : 0;
    s.followed_for = prev.followed_for + 1;
    s.model = prev.model;
    s.model_score = prev.model_score;
    followed.push_back(std::move(s));
  }
  return followed;
}

}  // namespace fl::analysis
