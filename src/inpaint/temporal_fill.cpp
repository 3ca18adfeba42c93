#include "inpaint/temporal_fill.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <opencv2/video/tracking.hpp>

namespace fl::inpaint {
namespace {

constexpr float kHoleThreshold = 0.01f;  // any coverage at all: not to be trusted, to be filled
constexpr int kAnalysisSize = 640;       // motion is measured on frames this wide at most

cv::Mat view(const Image& img) {
  return cv::Mat(img.height(), img.width(), CV_32FC4, const_cast<float*>(img.data()));
}

cv::Mat1f hole_view(const MaskedFrame& f) {
  return cv::Mat1f(f.image->height(), f.image->width(), const_cast<float*>(f.hole->data()));
}

// Small perceptual grey for feature tracking (linear light would crush the shadows).
cv::Mat1b analysis_grey(const Image& img, double factor) {
  cv::Mat small;
  cv::resize(view(img), small, cv::Size(), factor, factor, cv::INTER_AREA);
  cv::Mat1b grey(small.rows, small.cols);
  for (int y = 0; y < small.rows; ++y) {
    const float* p = small.ptr<float>(y);
    for (int x = 0; x < small.cols; ++x, p += 4) {
      float l = std::max(0.0f, 0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2]);
      grey(y, x) = cv::saturate_cast<uchar>(std::sqrt(std::min(l, 1.0f)) * 255.0f);
    }
  }
  return grey;
}

// Where features may be taken: outside the hole, with a margin (edges of the object move too).
cv::Mat1b trusted_small(const MaskedFrame& f, cv::Size size) {
  cv::Mat1f small;
  cv::resize(hole_view(f), small, size, 0, 0, cv::INTER_AREA);
  cv::Mat1b trusted = small < kHoleThreshold;
  cv::erode(trusted, trusted, cv::getStructuringElement(cv::MORPH_RECT, {7, 7}));
  return trusted;
}

struct Motion {
  cv::Matx33d h = cv::Matx33d::eye();  // current-frame pixel -> neighbour pixel (full size)
  bool identity = true;
};

Motion estimate_motion(const cv::Mat1b& cur, const cv::Mat1b& cur_trusted, const cv::Mat1b& nb,
                       const cv::Mat1b& nb_trusted, double factor, cv::Size full) {
  Motion m;
  std::vector<cv::Point2f> from, to;
  cv::goodFeaturesToTrack(cur, from, 500, 0.005, 6, cur_trusted, 5);
  if (from.size() < 12) return m;  // nothing to lock onto: treat as a locked-off camera
  std::vector<uchar> ok;
  std::vector<float> err;
  cv::calcOpticalFlowPyrLK(cur, nb, from, to, ok, err, cv::Size(21, 21), 3);
  std::vector<cv::Point2f> a, b;
  for (size_t i = 0; i < from.size(); ++i) {
    if (!ok[i]) continue;
    int x = int(std::lround(to[i].x)), y = int(std::lround(to[i].y));
    if (x < 0 || y < 0 || x >= nb.cols || y >= nb.rows || !nb_trusted(y, x)) continue;
    a.push_back(from[i]);
    b.push_back(to[i]);
  }
  if (a.size() < 12) return m;
  cv::Mat inliers;
  cv::Mat h = cv::findHomography(a, b, cv::RANSAC, 1.0, inliers, 2000, 0.995);
  if (h.empty() || cv::countNonZero(inliers) < 10) return m;
  const cv::Matx33d s(factor, 0, 0, 0, factor, 0, 0, 0, 1);
  const cv::Matx33d fitted = s.inv() * cv::Matx33d(h) * s;
  // A locked-off camera fits a homography within grain noise of the identity: then copying
  // without resampling keeps the background exact, which no warp can.
  double largest = 0;
  for (cv::Point2d c : {cv::Point2d(0, 0), cv::Point2d(full.width, 0), cv::Point2d(0, full.height),
                        cv::Point2d(full.width, full.height)}) {
    const cv::Vec3d q = fitted * cv::Vec3d(c.x, c.y, 1);
    largest = std::max(largest, cv::norm(cv::Point2d(q[0] / q[2], q[1] / q[2]) - c));
  }
  if (largest < 0.35) return m;
  m.h = fitted;
  m.identity = false;
  return m;
}

}  // namespace

Status fill_from_neighbours(const MaskedFrame& current, const std::vector<MaskedFrame>& neighbours,
                            const FillOptions& options, Image& out, FillReport* report) {
  const Image& img = *current.image;
  const int w = img.width(), h = img.height();
  if (current.hole->size() != img.pixel_count())
    return invalid_argument("the mask does not match the frame's size");
  out.copy_from(img);
  const cv::Mat1f hole = hole_view(current);
  const cv::Mat1b to_fill = hole >= kHoleThreshold;
  const int64_t count = cv::countNonZero(to_fill);
  if (report) *report = FillReport{count, 0, 0};
  if (count == 0) return ok_status();  // an empty mask passes the frame through
  if (double(count) > options.max_hole_fraction * double(w) * double(h))
    return invalid_argument("the mask covers " +
                                std::to_string(int(100.0 * double(count) / (double(w) * h))) +
                                "% of the frame: there is nothing left to fill it from",
                            "mask");

  const cv::Rect box = cv::boundingRect(to_fill) + cv::Size(0, 0);
  // The ring starts a few pixels out: an object bleeds into its surroundings (chroma
  // subsampling, compression ringing, motion blur), and that must not read as exposure drift.
  constexpr int kRingGap = 3;
  const int margin = options.ring + kRingGap + 2;
  const cv::Rect roi =
      cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin) &
      cv::Rect(0, 0, w, h);
  const cv::Mat1b fill_roi = to_fill(roi);
  cv::Mat1b ring, inner;
  const int outer = options.ring + kRingGap;
  cv::dilate(fill_roi, ring,
             cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * outer + 1, 2 * outer + 1}));
  cv::dilate(fill_roi, inner,
             cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * kRingGap + 1, 2 * kRingGap + 1}));
  ring &= ~inner;
  const cv::Mat cur_roi = view(img)(roi);

  std::vector<const MaskedFrame*> order;
  for (const auto& n : neighbours)
    if (n.image && n.hole && n.offset != 0 && n.image->width() == w && n.image->height() == h)
      order.push_back(&n);
  std::stable_sort(order.begin(), order.end(), [](const MaskedFrame* a, const MaskedFrame* b) {
    return std::abs(a->offset) < std::abs(b->offset);
  });

  const double factor = std::min(1.0, double(kAnalysisSize) / double(std::max(w, h)));
  cv::Mat1b cur_grey, cur_trusted;
  if (!order.empty()) {
    cur_grey = analysis_grey(img, factor);
    cur_trusted = trusted_small(current, cur_grey.size());
  }
  cv::Mat sum(roi.size(), CV_32FC4, cv::Scalar::all(0));
  cv::Mat1b samples(roi.size(), uchar(0));
  int64_t unsatisfied = count;
  for (const MaskedFrame* n : order) {
    if (unsatisfied == 0) break;
    const cv::Mat1b nb_grey = analysis_grey(*n->image, factor);
    const Motion motion = estimate_motion(
        cur_grey, cur_trusted, nb_grey, trusted_small(*n, nb_grey.size()), factor, cv::Size(w, h));
    cv::Mat warped;
    cv::Mat1f warped_hole;
    if (motion.identity) {
      warped = view(*n->image)(roi);
      warped_hole = hole_view(*n)(roi);
    } else {
      const cv::Matx33d m = motion.h * cv::Matx33d(1, 0, roi.x, 0, 1, roi.y, 0, 0, 1);
      cv::warpPerspective(view(*n->image), warped, m, roi.size(),
                          cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT);
      cv::warpPerspective(hole_view(*n), warped_hole, m, roi.size(),
                          cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT,
                          cv::Scalar(1.0));
    }
    const cv::Mat1b seen = warped_hole < kHoleThreshold;
    // Exposure drift between the frames, measured where both are background: the median, so
    // that someone walking through the ring does not tint the fill.
    std::array<float, 3> offset{0, 0, 0};
    {
      std::array<std::vector<float>, 3> d;
      for (int y = 0; y < roi.height; ++y) {
        const uchar* r = ring.ptr<uchar>(y);
        const uchar* s = seen.ptr<uchar>(y);
        const float* a = cur_roi.ptr<float>(y);
        const float* b = warped.ptr<float>(y);
        for (int x = 0; x < roi.width; ++x)
          if (r[x] && s[x])
            for (int c = 0; c < 3; ++c) d[size_t(c)].push_back(a[4 * x + c] - b[4 * x + c]);
      }
      if (d[0].size() >= 16)
        for (size_t c = 0; c < 3; ++c) {
          auto mid = d[c].begin() + std::ptrdiff_t(d[c].size() / 2);
          std::nth_element(d[c].begin(), mid, d[c].end());
          offset[c] = *mid;
        }
    }
    for (int y = 0; y < roi.height; ++y) {
      const uchar* f = fill_roi.ptr<uchar>(y);
      const uchar* s = seen.ptr<uchar>(y);
      const float* src = warped.ptr<float>(y);
      float* acc = sum.ptr<float>(y);
      uchar* k = samples.ptr<uchar>(y);
      for (int x = 0; x < roi.width; ++x) {
        if (!f[x] || !s[x] || k[x] >= options.max_samples) continue;
        for (int c = 0; c < 3; ++c) acc[4 * x + c] += src[4 * x + c] + offset[size_t(c)];
        if (++k[x] == options.max_samples) --unsatisfied;
      }
    }
  }

  // The propagated background, then what nobody saw, synthesised from its surroundings.
  cv::Mat work = cur_roi.clone();
  cv::Mat1b unseen(roi.size(), uchar(0));
  int64_t propagated = 0;
  for (int y = 0; y < roi.height; ++y) {
    const uchar* f = fill_roi.ptr<uchar>(y);
    const uchar* k = samples.ptr<uchar>(y);
    const float* acc = sum.ptr<float>(y);
    float* d = work.ptr<float>(y);
    for (int x = 0; x < roi.width; ++x) {
      if (!f[x]) continue;
      if (k[x] == 0) {
        unseen(y, x) = 255;
        continue;
      }
      ++propagated;
      for (int c = 0; c < 3; ++c) d[4 * x + c] = acc[4 * x + c] / float(k[x]);
    }
  }
  const int64_t synthesised = count - propagated;
  if (synthesised > 0) {
    std::vector<cv::Mat> channels;
    cv::split(work, channels);
    for (int c = 0; c < 3; ++c)
      cv::inpaint(channels[size_t(c)], unseen, channels[size_t(c)], 3, cv::INPAINT_TELEA);
    cv::merge(channels, work);
  }
  if (report) {
    report->propagated = propagated;
    report->synthesised = synthesised;
  }
  // Soft mask edges blend the fill over the frame by their coverage.
  cv::Mat dst = view(out)(roi);
  for (int y = 0; y < roi.height; ++y) {
    const float* cov = hole(roi).ptr<float>(y);
    const float* src = work.ptr<float>(y);
    float* d = dst.ptr<float>(y);
    for (int x = 0; x < roi.width; ++x) {
      const float a = std::clamp(cov[x], 0.0f, 1.0f);
      if (a <= 0) continue;
      for (int c = 0; c < 3; ++c) d[4 * x + c] += (src[4 * x + c] - d[4 * x + c]) * a;
    }
  }
  return ok_status();
}

}  // namespace fl::inpaint
