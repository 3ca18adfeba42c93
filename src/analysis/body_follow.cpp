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

cv::Rect presence_region(const cv::Rect2f& face) {
  return cv::Rect(int(face.x - 0.5f * face.width), int(face.y - 0.35f * face.height),
                  int(2.0f * face.width), int(3.05f * face.height));
}

std::vector<Sighting> follow_bodies(const cv::Mat& bgr_before, const cv::Mat& bgr, float to_full,
                                    int64_t frame, const std::vector<Sighting>& before,
                                    const std::vector<Sighting>& now, bool cut,
                                    const CharacterOptions& options) {
  std::vector<Sighting> followed;
  if (cut || options.max_follow <= 0 || bgr_before.size() != bgr.size()) return followed;
  const cv::Rect frame_rect(0, 0, bgr.cols, bgr.rows);
  auto taken = [&](const FaceBox& box) {
    for (const Sighting& s : now)
      if (box_iou(s.box, box) > 0.1f) return true;
    for (const Sighting& s : followed)
      if (box_iou(s.box, box) > 0.1f) return true;
    return false;
  };
  cv::Mat grey_before, grey;
  for (const Sighting& prev : before) {
    if (prev.followed_for >= options.max_follow) continue;
    bool continued = false;
    for (const Sighting& s : now) continued |= box_iou(prev.box, s.box) > options.link_iou;
    if (continued) continue;
    const cv::Rect2f face(prev.box.x / to_full, prev.box.y / to_full, prev.box.w / to_full,
                          prev.box.h / to_full);
    // Head, hair, shoulders and clothes; a close-up holds only part of it, enough while as much
    // as a face is in frame (less: they are leaving it).
    const cv::Rect region = presence_region(face) & frame_rect;
    if (region.area() < face.area()) continue;
    if (grey.empty()) {
      cv::cvtColor(bgr_before, grey_before, cv::COLOR_BGR2GRAY);
      cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    }
    // Corners on the person, followed to this frame and back (Lucas-Kanade): the ones that come
    // back where they started moved with the picture, and their median move is the person's.
    // Not on the face itself: turning is what changes it.
    cv::Mat where(region.size(), CV_8U, cv::Scalar(255));
    where((cv::Rect(face) - region.tl()) & cv::Rect({}, region.size())).setTo(0);
    std::vector<cv::Point2f> from, to, back;
    // Close-ups are soft and dark around the face: a low corner threshold still finds enough.
    cv::goodFeaturesToTrack(grey_before(region), from, 100, 0.003,
                            std::max(3.0, double(face.width) / 20), where);
    if (int(from.size()) < options.follow_points) continue;
    for (auto& p : from) p += cv::Point2f(region.tl());
    std::vector<uint8_t> ok, ok_back;
    std::vector<float> err;
    const cv::Size window(21, 21);
    cv::calcOpticalFlowPyrLK(grey_before, grey, from, to, ok, err, window, 3);
    cv::calcOpticalFlowPyrLK(grey, grey_before, to, back, ok_back, err, window, 3);
    std::vector<float> dx, dy;
    for (size_t k = 0; k < from.size(); ++k)
      if (ok[k] && ok_back[k] && cv::norm(back[k] - from[k]) < 1.0) {
        dx.push_back(to[k].x - from[k].x);
        dy.push_back(to[k].y - from[k].y);
      }
    if (int(dx.size()) < options.follow_points || dx.size() * 10 < from.size() * 3) continue;
    auto median = [](std::vector<float>& v) {
      std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(v.size() / 2), v.end());
      return v[v.size() / 2];
    };
    const cv::Point2f shift(median(dx), median(dy));
    Sighting s;
    s.box = {frame,
             prev.box.x + shift.x * to_full,
             prev.box.y + shift.y * to_full,
             prev.box.w,
             prev.box.h,
             0.f};
    if (taken(s.box)) continue;  // someone's face is there now
    const cv::Rect2f moved(face.x + shift.x, face.y + shift.y, face.width, face.height);
    s.body = body_colour(bgr, moved);
    s.look.clothing_seen = mean_lab(bgr, clothing_region(moved), s.look.clothing) ? 1 : 0;
    s.followed_for = prev.followed_for + 1;
    followed.push_back(std::move(s));
  }
  return followed;
}

}  // namespace fl::analysis
