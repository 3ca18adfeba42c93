#include "inpaint/alignment.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

namespace fl::inpaint {
namespace {

// Cells of 4 pixels or more are sampled every other pixel: objects are far larger than that.
int sample_step(double factor) { return factor <= 0.25 ? 2 : 1; }

}  // namespace

cv::Mat view(const Image& img) {
  return cv::Mat(img.height(), img.width(), CV_32FC4, const_cast<float*>(img.data()));
}

Coverage::Coverage(const Image& mask, int width, int height)
    : mask_(mask),
      sx_(double(mask.width()) / width),
      sy_(double(mask.height()) / height),
      same_(mask.width() == width && mask.height() == height) {}

float Coverage::at(int x, int y) const {
  const float* p =
      same_ ? mask_.at(mask_.bounds().x + x, mask_.bounds().y + y)
            : mask_.at(mask_.bounds().x + std::min(mask_.width() - 1, int((x + 0.5) * sx_)),
                       mask_.bounds().y + std::min(mask_.height() - 1, int((y + 0.5) * sy_)));
  return std::clamp(0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2], 0.0f, 1.0f);
}

cv::Mat1f Coverage::region(const cv::Rect& r) const {
  cv::Mat1f out(r.size());
  for (int y = 0; y < r.height; ++y)
    for (int x = 0; x < r.width; ++x) out(y, x) = at(r.x + x, r.y + y);
  return out;
}

cv::Mat1f Coverage::cells(cv::Size size, int width, int height) const {
  cv::Mat1f out(size, 0.0f);
  const double fx = double(size.width) / width, fy = double(size.height) / height;
  const int step = sample_step(fx);
  for (int y = 0; y < height; y += step) {
    float* row = out.ptr<float>(std::min(size.height - 1, int(y * fy)));
    for (int x = 0; x < width; x += step) {
      float& c = row[std::min(size.width - 1, int(x * fx))];
      c = std::max(c, at(x, y));
    }
  }
  return out;
}

AnalysisGrid analysis_grid(int width, int height) {
  AnalysisGrid g;
  g.factor = std::min(1.0, double(kAnalysisSize) / double(std::max(width, height)));
  g.size = cv::Size(std::max(1, int(std::lround(width * g.factor))),
                    std::max(1, int(std::lround(height * g.factor))));
  return g;
}

cv::Mat1b analysis_grey(const Image& img, cv::Size size) {
  if (img.width() < size.width || img.height() < size.height) {
    // A preview frame smaller than the grid: its own grey, enlarged (the motion is then
    // measured on the same grid at every preview scale).
    cv::Mat1b own = analysis_grey(img, {img.width(), img.height()}), out;
    cv::resize(own, out, size, 0, 0, cv::INTER_LINEAR);
    return out;
  }
  cv::Mat1f sum(size, 0.0f), n(size, 0.0f);
  const double fx = double(size.width) / img.width(), fy = double(size.height) / img.height();
  const int step = sample_step(fx);
  for (int y = 0; y < img.height(); y += step) {
    const int sy = std::min(size.height - 1, int(y * fy));
    float* s = sum.ptr<float>(sy);
    float* k = n.ptr<float>(sy);
    const float* p = img.row(img.bounds().y + y);
    for (int x = 0; x < img.width(); x += step) {
      const int sx = std::min(size.width - 1, int(x * fx));
      s[sx] += 0.2126f * p[4 * x] + 0.7152f * p[4 * x + 1] + 0.0722f * p[4 * x + 2];
      k[sx] += 1;
    }
  }
  cv::Mat1b grey(size);
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x) {
      const float l = std::clamp(sum(y, x) / std::max(1.0f, n(y, x)), 0.0f, 1.0f);
      grey(y, x) = cv::saturate_cast<uchar>(std::sqrt(l) * 255.0f);
    }
  return grey;
}

cv::Mat1b trusted_cells(const Coverage* cov, cv::Size size, int width, int height) {
  if (!cov) return cv::Mat1b(size, uchar(255));
  cv::Mat1b trusted = cov->cells(size, width, height) < kHoleThreshold;
  cv::erode(trusted, trusted, cv::getStructuringElement(cv::MORPH_RECT, {7, 7}));
  return trusted;
}

Motion estimate_motion(const cv::Mat1b& cur, const cv::Mat1b& cur_trusted, const cv::Mat1b& nb,
                       const cv::Mat1b& nb_trusted, double factor, cv::Size full) {
  Motion m;
  std::vector<cv::Point2f> from, to;
  cv::goodFeaturesToTrack(cur, from, 500, 0.005, 6, cur_trusted, 5);
  if (from.size() < 12) return m;  // nothing to lock onto: treat as a locked-off camera
  std::vector<uchar> ok;
  std::vector<float> err;
  // Five pyramid levels: a fast pan moves far between frames 8 apart (80 px at this size).
  cv::calcOpticalFlowPyrLK(cur, nb, from, to, ok, err, cv::Size(21, 21), 5);
  std::vector<cv::Point2f> a, b;
  std::vector<float> moved;
  for (size_t i = 0; i < from.size(); ++i) {
    if (!ok[i]) continue;
    int x = int(std::lround(to[i].x)), y = int(std::lround(to[i].y));
    if (x < 0 || y < 0 || x >= nb.cols || y >= nb.rows || !nb_trusted(y, x)) continue;
    a.push_back(from[i]);
    b.push_back(to[i]);
    moved.push_back(float(cv::norm(to[i] - from[i])));
  }
  if (a.size() < 12) return m;
  m.tracked = true;
  // A locked-off camera: most features stay put within tracking noise (people walking are a
  // minority). Copying without resampling keeps the background exact, which no warp can.
  auto mid = moved.begin() + std::ptrdiff_t(moved.size() / 2);
  std::nth_element(moved.begin(), mid, moved.end());
  if (*mid < 0.1f) return m;
  cv::Mat inliers;
  cv::Mat h = cv::findHomography(a, b, cv::RANSAC, 1.0, inliers, 2000, 0.995);
  if (h.empty() || cv::countNonZero(inliers) < 10) return m;
  const cv::Matx33d s(factor, 0, 0, 0, factor, 0, 0, 0, 1);
  const cv::Matx33d fitted = s.inv() * cv::Matx33d(h) * s;
  // Or a fit within noise of the identity.
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

namespace {

// Perceptual 8-bit luma (as the analysis grey), at `size`.
cv::Mat1b flow_grey(const cv::Mat& rgba, cv::Size size) {
  cv::Mat1b grey(rgba.size());
  for (int y = 0; y < rgba.rows; ++y) {
    const float* p = rgba.ptr<float>(y);
    for (int x = 0; x < rgba.cols; ++x) {
      const float l = 0.2126f * p[4 * x] + 0.7152f * p[4 * x + 1] + 0.0722f * p[4 * x + 2];
      grey(y, x) = cv::saturate_cast<uchar>(std::sqrt(std::clamp(l, 0.0f, 1.0f)) * 255.0f);
    }
  }
  if (size == grey.size()) return grey;
  cv::Mat1b out;
  cv::resize(grey, out, size, 0, 0, cv::INTER_AREA);
  return out;
}

// Mean absolute difference of two greys where `valid`.
double mean_difference(const cv::Mat1b& a, const cv::Mat1b& b, const cv::Mat1b& valid) {
  cv::Mat1b d;
  cv::absdiff(a, b, d);
  return cv::mean(d, valid)[0];
}

}  // namespace

std::optional<cv::Matx33d> local_motion(const cv::Mat& cur, const cv::Mat1f& cur_hole,
                                        const cv::Mat& aligned, const cv::Mat1f& aligned_hole) {
  constexpr int kFlowSize = 384;  // motion is measured on the area at most this wide
  const double s = std::min(1.0, double(kFlowSize) / std::max(cur.cols, cur.rows));
  const cv::Size size(std::max(8, int(std::lround(cur.cols * s))),
                      std::max(8, int(std::lround(cur.rows * s))));
  const cv::Mat1b a = flow_grey(cur, size), b = flow_grey(aligned, size);
  // Trusted: outside both holes (the aligned neighbour's covers what it never saw), with a
  // margin (an object's edge drags the flow with it).
  cv::Mat1f holes = cv::max(cur_hole, aligned_hole), small;
  cv::resize(holes, small, size, 0, 0, cv::INTER_AREA);
  cv::Mat1b invalid = small >= kHoleThreshold;
  cv::dilate(invalid, invalid, cv::getStructuringElement(cv::MORPH_ELLIPSE, {9, 9}));
  const cv::Mat1b valid = invalid == 0;
  if (cv::countNonZero(valid) < size.area() / 4) return std::nullopt;

  // The residual around a hole is close to one local affine motion (a patch of the scene at
  // one depth): features tracked outside the holes (pyramidal LK, which locks onto the sparse
  // texture of paving or a wall), a robust affine fit. Dense flow (DIS) was tried first: on such
  // low-texture ground it underestimated the residual by half and gained nothing.
  std::vector<cv::Point2f> from, to;
  cv::goodFeaturesToTrack(a, from, 300, 0.005, 4, valid, 5);
  if (from.size() < 12) return std::nullopt;
  std::vector<uchar> ok;
  std::vector<float> err;
  cv::calcOpticalFlowPyrLK(a, b, from, to, ok, err, cv::Size(21, 21), 3);
  std::vector<cv::Point2f> p, q;
  for (size_t i = 0; i < from.size(); ++i)
    if (ok[i]) p.push_back(from[i]), q.push_back(to[i]);
  if (p.size() < 12) return std::nullopt;
  cv::Mat inliers;
  const cv::Mat fitted = cv::estimateAffine2D(p, q, inliers, cv::RANSAC, 0.5);
  if (fitted.empty() || cv::countNonZero(inliers) < 8) return std::nullopt;
  const cv::Matx23d m(fitted);
  std::vector<float> magnitude;
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x)
      if (valid(y, x))
        magnitude.push_back(float(std::hypot(m(0, 0) * x + m(0, 1) * y + m(0, 2) - x,
                                             m(1, 0) * x + m(1, 1) * y + m(1, 2) - y)));
  auto mid = magnitude.begin() + std::ptrdiff_t(magnitude.size() / 2);
  std::nth_element(magnitude.begin(), mid, magnitude.end());
  if (*mid / s < 0.25) return std::nullopt;
  // Kept only when following it brings the pictures closer where both are trusted.
  cv::Mat1b followed;
  cv::warpAffine(b, followed, m, size, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 cv::BORDER_REPLICATE);
  if (mean_difference(a, followed, valid) > 0.9 * mean_difference(a, b, valid)) return std::nullopt;
  // From the small grid to the area's full-size pixels (pixel centres: u = s (p + 1/2) - 1/2).
  const cv::Matx33d to_small(s, 0, 0.5 * s - 0.5, 0, s, 0.5 * s - 0.5, 0, 0, 1);
  const cv::Matx33d small_motion(m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2), 0, 0, 1);
  return to_small.inv() * small_motion * to_small;
}

cv::Rect mapped_box(const cv::Matx33d& h, const cv::Rect& roi, cv::Size frame) {
  std::vector<cv::Point2f> corners = {{float(roi.x), float(roi.y)},
                                      {float(roi.br().x), float(roi.y)},
                                      {float(roi.x), float(roi.br().y)},
                                      {float(roi.br().x), float(roi.br().y)}};
  std::vector<cv::Point2f> mapped;
  cv::perspectiveTransform(corners, mapped, cv::Matx33f(h));
  cv::Rect box = cv::boundingRect(mapped);
  box = cv::Rect(box.x - 3, box.y - 3, box.width + 6, box.height + 6);
  return box & cv::Rect(0, 0, frame.width, frame.height);
}

}  // namespace fl::inpaint
