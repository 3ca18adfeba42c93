#include "inpaint/temporal_fill.h"

#include <algorithm>
#include <array>
#include <cmath>

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

int sample_step(double factor) { return factor <= 0.25 ? 2 : 1; }

// A mask's coverage in a frame's pixel grid (the mask may have another size).
class Coverage {
 public:
  Coverage(const Image& mask, int width, int height)
      : mask_(mask),
        sx_(double(mask.width()) / width),
        sy_(double(mask.height()) / height),
        same_(mask.width() == width && mask.height() == height) {}

  float at(int x, int y) const {
    const float* p =
        same_ ? mask_.at(mask_.bounds().x + x, mask_.bounds().y + y)
              : mask_.at(mask_.bounds().x + std::min(mask_.width() - 1, int((x + 0.5) * sx_)),
                         mask_.bounds().y + std::min(mask_.height() - 1, int((y + 0.5) * sy_)));
    return std::clamp(0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2], 0.0f, 1.0f);
  }
  // Full-resolution coverage over `r` (frame pixels).
  cv::Mat1f region(const cv::Rect& r) const {
    cv::Mat1f out(r.size());
    for (int y = 0; y < r.height; ++y)
      for (int x = 0; x < r.width; ++x) out(y, x) = at(r.x + x, r.y + y);
    return out;
  }
  // The largest coverage in each cell of a `size` grid over a `width`×`height` frame (cells of
  // 4 pixels or more sampled every other pixel: objects are far larger than that).
  cv::Mat1f cells(cv::Size size, int width, int height) const {
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

 private:
  const Image& mask_;
  double sx_, sy_;
  bool same_;
};

// Small perceptual grey for feature tracking (linear light would crush the shadows): each cell
// averages its block of the frame (large blocks sampled every other pixel).
cv::Mat1b analysis_grey(const Image& img, cv::Size size) {
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

// Where features may be taken: outside the hole, with a margin (edges of the object move too).
cv::Mat1b trusted_cells(const Coverage& cov, cv::Size size, int width, int height) {
  cv::Mat1b trusted = cov.cells(size, width, height) < kHoleThreshold;
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

// The box of the neighbour that `h` maps `roi` into, with a margin for interpolation.
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

}  // namespace

Result<Image> fill_hole(const MaskedFrame& current, const std::vector<MaskedFrame>& neighbours,
                        const FillOptions& options, FillReport* report) {
  const Image& img = *current.image;
  const int w = img.width(), h = img.height();
  const Rect& b = img.bounds();
  const Coverage cur_cov(*current.mask, w, h);
  const cv::Mat1f hole = cur_cov.region(cv::Rect(0, 0, w, h));
  const cv::Mat1b to_fill = hole >= kHoleThreshold;
  const int64_t count = cv::countNonZero(to_fill);
  if (report) *report = FillReport{count, 0, 0};
  if (count == 0) return Image();  // an empty mask passes the frame through
  if (double(count) > options.max_hole_fraction * double(w) * double(h))
    return invalid_argument("the mask covers " +
                                std::to_string(int(100.0 * double(count) / (double(w) * h))) +
                                "% of the frame: there is nothing left to fill it from",
                            "mask");

  // The ring starts a few pixels out: an object bleeds into its surroundings (chroma
  // subsampling, compression ringing, motion blur), and that must not read as exposure drift.
  constexpr int kRingGap = 3;
  const cv::Rect box = cv::boundingRect(to_fill);
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
    if (n.image && n.mask && n.offset != 0 && n.image->width() == w && n.image->height() == h)
      order.push_back(&n);
  std::stable_sort(order.begin(), order.end(), [](const MaskedFrame* a, const MaskedFrame* b) {
    return std::abs(a->offset) < std::abs(b->offset);
  });

  const double factor = std::min(1.0, double(kAnalysisSize) / double(std::max(w, h)));
  const cv::Size small(std::max(1, int(std::lround(w * factor))),
                       std::max(1, int(std::lround(h * factor))));
  cv::Mat1b cur_grey, cur_trusted;
  if (!order.empty()) {
    cur_grey = analysis_grey(img, small);
    cur_trusted = trusted_cells(cur_cov, small, w, h);
  }
  cv::Mat sum(roi.size(), CV_32FC4, cv::Scalar::all(0));
  cv::Mat1b samples(roi.size(), uchar(0));
  int64_t unsatisfied = count;
  for (const MaskedFrame* n : order) {
    if (unsatisfied == 0) break;
    const Coverage nb_cov(*n->mask, w, h);
    const cv::Mat1b nb_grey = analysis_grey(*n->image, small);
    const Motion motion = estimate_motion(cur_grey, cur_trusted, nb_grey,
                                          trusted_cells(nb_cov, small, w, h), factor, {w, h});
    cv::Mat warped;
    cv::Mat1f warped_hole;
    if (motion.identity) {
      warped = view(*n->image)(roi);
      warped_hole = nb_cov.region(roi);
    } else {
      const cv::Matx33d m = motion.h * cv::Matx33d(1, 0, roi.x, 0, 1, roi.y, 0, 0, 1);
      cv::warpPerspective(view(*n->image), warped, m, roi.size(),
                          cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT);
      const cv::Rect src = mapped_box(motion.h, roi, {w, h});
      if (src.empty()) continue;  // this neighbour never saw the hole's surroundings
      const cv::Matx33d to_src = cv::Matx33d(1, 0, -src.x, 0, 1, -src.y, 0, 0, 1) * m;
      cv::warpPerspective(nb_cov.region(src), warped_hole, to_src, roi.size(),
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
        const float* p = warped.ptr<float>(y);
        for (int x = 0; x < roi.width; ++x)
          if (r[x] && s[x])
            for (int c = 0; c < 3; ++c) d[size_t(c)].push_back(a[4 * x + c] - p[4 * x + c]);
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
  Image patch(Rect{b.x + roi.x, b.y + roi.y, roi.width, roi.height});
  cv::Mat dst = view(patch);
  cur_roi.copyTo(dst);
  for (int y = 0; y < roi.height; ++y) {
    const float* cov = hole.ptr<float>(roi.y + y) + roi.x;
    const float* src = work.ptr<float>(y);
    float* d = dst.ptr<float>(y);
    for (int x = 0; x < roi.width; ++x) {
      const float a = std::clamp(cov[x], 0.0f, 1.0f);
      if (a <= 0) continue;
      for (int c = 0; c < 3; ++c) d[4 * x + c] += (src[4 * x + c] - d[4 * x + c]) * a;
    }
  }
  return patch;
}

Status fill_from_neighbours(const MaskedFrame& current, const std::vector<MaskedFrame>& neighbours,
                            const FillOptions& options, Image& out, FillReport* report) {
  FL_ASSIGN_OR_RETURN(Image patch, fill_hole(current, neighbours, options, report));
  out = Image(current.image->bounds());
  out.copy_from(*current.image);
  if (!patch.empty()) {
    const Rect& r = patch.bounds();
    for (int y = r.y; y < r.bottom(); ++y)
      std::copy_n(patch.row(y), size_t(r.w) * 4, out.at(r.x, y));
  }
  return ok_status();
}

}  // namespace fl::inpaint
