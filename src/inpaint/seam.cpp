#include "inpaint/seam.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace fl::inpaint {
namespace {

enum Cell : uchar { kOutside = 0, kFixed = 1, kFree = 2 };

// Solves the Laplace equation for `u` on its kFree cells, kFixed ones holding their values and
// kOutside ones not taking part: a coarser solve for the smooth part, then Gauss-Seidel sweeps.
void solve_laplace(cv::Mat3f& u, const cv::Mat1b& state, int depth = 0) {
  std::vector<cv::Point> cells;
  cv::findNonZero(state == kFree, cells);
  if (cells.empty()) return;
  if (std::min(u.rows, u.cols) > 8 && depth < 12) {
    const int w = (u.cols + 1) / 2, h = (u.rows + 1) / 2;
    cv::Mat3f cu(h, w, cv::Vec3f(0, 0, 0));
    cv::Mat1b cstate(h, w, uchar(kOutside));
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        cv::Vec3f sum(0, 0, 0);
        int fixed = 0, free = 0;
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 2; ++dx) {
            const int fy = std::min(2 * y + dy, u.rows - 1), fx = std::min(2 * x + dx, u.cols - 1);
            if (state(fy, fx) == kFixed) sum += u(fy, fx), ++fixed;
            if (state(fy, fx) == kFree) ++free;
          }
        if (fixed)
          cu(y, x) = sum / float(fixed), cstate(y, x) = kFixed;
        else if (free)
          cstate(y, x) = kFree;
      }
    solve_laplace(cu, cstate, depth + 1);
    for (const cv::Point p : cells) {
      // Bilinear from the coarse grid (cell centres at 2c + 0.5), over cells that took part.
      const float fx = std::clamp((p.x - 0.5f) / 2, 0.0f, float(w - 1));
      const float fy = std::clamp((p.y - 0.5f) / 2, 0.0f, float(h - 1));
      const int x0 = int(fx), y0 = int(fy);
      const int x1 = std::min(x0 + 1, w - 1), y1 = std::min(y0 + 1, h - 1);
      const float ax = fx - float(x0), ay = fy - float(y0);
      cv::Vec3f sum(0, 0, 0);
      float weight = 0;
      for (auto [cx, cy, wt] :
           {std::tuple{x0, y0, (1 - ax) * (1 - ay)}, std::tuple{x1, y0, ax * (1 - ay)},
            std::tuple{x0, y1, (1 - ax) * ay}, std::tuple{x1, y1, ax * ay}})
        if (cstate(cy, cx) != kOutside) sum += wt * cu(cy, cx), weight += wt;
      if (weight > 0) u(p) = sum / weight;
    }
  }
  for (int sweep = 0; sweep < 24; ++sweep)
    for (const cv::Point p : cells) {
      cv::Vec3f sum(0, 0, 0);
      int n = 0;
      for (const cv::Point d :
           {cv::Point(-1, 0), cv::Point(1, 0), cv::Point(0, -1), cv::Point(0, 1)}) {
        const cv::Point q = p + d;
        if (q.x < 0 || q.y < 0 || q.x >= u.cols || q.y >= u.rows || state(q) == kOutside) continue;
        sum += u(q), ++n;
      }
      if (n) u(p) = sum / float(n);
    }
}

}  // namespace

void add_membrane(cv::Mat3f& fill, const cv::Mat1b& region, const cv::Mat3f& difference,
                  const cv::Mat1b& known) {
  // The boundary: pixels next to the region; a known difference there, else none (0).
  cv::Mat1b boundary;
  cv::dilate(region, boundary, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
  boundary &= region == 0;
  cv::Mat3f membrane(fill.size(), cv::Vec3f(0, 0, 0));
  difference.copyTo(membrane, known & boundary);
  cv::Mat1b state(fill.size(), uchar(kOutside));
  state.setTo(kFixed, boundary);
  state.setTo(kFree, region);
  solve_laplace(membrane, state);
  for (int y = 0; y < fill.rows; ++y)
    for (int x = 0; x < fill.cols; ++x)
      if (region(y, x)) fill(y, x) += membrane(y, x);
}

cv::Mat3f smooth_difference(const cv::Mat3f& difference, const cv::Mat1b& known, int radius) {
  cv::Mat3f masked(difference.size(), cv::Vec3f(0, 0, 0));
  difference.copyTo(masked, known);
  cv::Mat1f weight;
  known.convertTo(weight, CV_32F, 1.0 / 255);
  const cv::Size k(2 * radius + 1, 2 * radius + 1);
  cv::Mat3f sum;
  cv::Mat1f n;
  cv::boxFilter(masked, sum, -1, k, {-1, -1}, false, cv::BORDER_CONSTANT);
  cv::boxFilter(weight, n, -1, k, {-1, -1}, false, cv::BORDER_CONSTANT);
  cv::Mat3f out(difference.size(), cv::Vec3f(0, 0, 0));
  for (int y = 0; y < out.rows; ++y)
    for (int x = 0; x < out.cols; ++x)
      if (n(y, x) > 0.5f) out(y, x) = sum(y, x) / n(y, x);
  return out;
}

}  // namespace fl::inpaint
