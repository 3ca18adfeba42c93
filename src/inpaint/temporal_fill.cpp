#include "inpaint/temporal_fill.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "inpaint/alignment.h"
#include "inpaint/grain.h"
#include "inpaint/patch_synthesis.h"
#include "inpaint/seam.h"

namespace fl::inpaint {
namespace {

using synthesis_encoding::decode;
using synthesis_encoding::encode;

struct Aligned {
  const MaskedFrame* frame;
  Motion motion;
  // Over `local_area` of the current frame, the global motion refined by a local one
  // (local_motion): current pixel -> neighbour pixel, full size. Unset when nothing is refined.
  cv::Rect local_area;
  std::optional<cv::Matx33d> local_h;
};

// The neighbour's pixels and hole coverage over `area` of the current frame, through the global
// motion or, where `area` lies in the refined one's, through that.
void warp_into(const Aligned& n, const cv::Rect& area, cv::Size full, cv::Mat& pixels,
               cv::Mat1f& hole) {
  const Coverage cov(*n.frame->mask, full.width, full.height);
  const bool local = n.local_h && (n.local_area & area) == area;
  const cv::Matx33d& h = local ? *n.local_h : n.motion.h;
  if (!local && n.motion.identity) {
    pixels = view(*n.frame->image)(area);
    hole = cov.region(area);
    return;
  }
  const cv::Matx33d m = h * cv::Matx33d(1, 0, area.x, 0, 1, area.y, 0, 0, 1);
  cv::warpPerspective(view(*n.frame->image), pixels, m, area.size(),
                      cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT);
  const cv::Rect src = mapped_box(h, area, full);
  if (src.empty()) {
    hole = cv::Mat1f(area.size(), 1.0f);
    return;
  }
  const cv::Matx33d to_src = cv::Matx33d(1, 0, -src.x, 0, 1, -src.y, 0, 0, 1) * m;
  cv::warpPerspective(cov.region(src), hole, to_src, area.size(),
                      cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT,
                      cv::Scalar(1.0));
}

// Synthesises `unseen` (pixels of `roi`) from the frame around it: the propagated fill in
// `work` (over roi) and the frame outside the hole within a context as large as the unseen
// region again on each side. Patches are matched on the mean of this frame and its aligned
// neighbours: neighbouring frames then search nearly the same image, find the same patches, and
// the synthesised region holds still instead of boiling with the grain; the pixels copied are
// this frame's own, so the synthesis has the grain and sharpness of what surrounds it. Returns
// false when there is too little to copy from.
bool synthesise_unseen(const Image& img, const cv::Rect& roi, const cv::Mat1b& to_fill,
                       const std::vector<Aligned>& aligned, cv::Mat& work, const cv::Mat1b& unseen,
                       const FillOptions& options) {
  const cv::Size full(img.width(), img.height());
  const cv::Rect ub = cv::boundingRect(unseen) + roi.tl();
  const int grow = std::max({ub.width, ub.height, 32});
  const cv::Rect area =
      cv::Rect(ub.x - grow, ub.y - grow, ub.width + 2 * grow, ub.height + 2 * grow) &
      cv::Rect(0, 0, full.width, full.height);
  cv::Mat sum(area.size(), CV_32FC4, cv::Scalar::all(0));
  cv::Mat1f count(area.size(), 0.0f);
  cv::Mat1b hole(area.size(), uchar(0)), source(area.size(), uchar(0));
  cv::Mat1b own(area.size(), uchar(0));  // the frame's own pixels, averaged with the neighbours'
  cv::Mat3f colours(area.size(), cv::Vec3f(0, 0, 0));  // what is copied: this frame's pixels
  const cv::Mat frame = view(img);
  for (int y = 0; y < area.height; ++y) {
    const int fy = area.y + y;
    for (int x = 0; x < area.width; ++x) {
      const int fx = area.x + x;
      const bool in_roi = roi.contains({fx, fy});
      if (in_roi && unseen(fy - roi.y, fx - roi.x)) {
        hole(y, x) = 255;
        continue;
      }
      const bool background = !to_fill(fy, fx);
      if (!background && !in_roi) continue;  // cannot be: roi holds the whole hole
      source(y, x) = 255;
      own(y, x) = background ? 255 : 0;  // propagated pixels are a mean already: kept as they are
      const float* p = background ? frame.ptr<float>(fy) + 4 * fx
                                  : work.ptr<float>(fy - roi.y) + 4 * (fx - roi.x);
      float* a = sum.ptr<float>(y) + 4 * x;
      for (int c = 0; c < 3; ++c) a[c] = p[c];
      count(y, x) = 1.0f;
      colours(y, x) = cv::Vec3f(encode(p[0]), encode(p[1]), encode(p[2]));
    }
  }
  for (const Aligned& n : aligned) {
    cv::Mat pixels;
    cv::Mat1f nb_hole;
    warp_into(n, area, full, pixels, nb_hole);
    for (int y = 0; y < area.height; ++y) {
      const float* p = pixels.ptr<float>(y);
      const float* h = nb_hole.ptr<float>(y);
      float* a = sum.ptr<float>(y);
      float* k = count.ptr<float>(y);
      const uchar* o = own.ptr<uchar>(y);
      for (int x = 0; x < area.width; ++x) {
        if (!o[x] || h[x] >= kHoleThreshold) continue;
        for (int c = 0; c < 3; ++c) a[4 * x + c] += p[4 * x + c];
        k[x] += 1.0f;
      }
    }
  }
  cv::Mat3f canvas(area.size(), cv::Vec3f(0, 0, 0));
  for (int y = 0; y < area.height; ++y)
    for (int x = 0; x < area.width; ++x) {
      if (!source(y, x)) continue;
      const float* a = sum.ptr<float>(y) + 4 * x;
      const float k = count(y, x);
      canvas(y, x) = cv::Vec3f(encode(a[0] / k), encode(a[1] / k), encode(a[2] / k));
    }
  SynthesisOptions so;
  so.cancelled = options.cancelled;
  if (!synthesise(canvas, hole, source, so, nullptr, &colours)) return false;
  for (int y = 0; y < roi.height; ++y)
    for (int x = 0; x < roi.width; ++x) {
      if (!unseen(y, x)) continue;
      const cv::Vec3f c = canvas(roi.y + y - area.y, roi.x + x - area.x);
      float* d = work.ptr<float>(y) + 4 * x;
      for (int k = 0; k < 3; ++k) d[k] = decode(c[k]);
    }
  return true;
}

// Exposure drift between the frame and `other` (both over roi), measured on the ring where
// `seen` says `other` is background: the median per channel, so that someone walking through
// the ring does not tint the fill. Zero with too few samples.
std::array<float, 3> ring_offset(const cv::Mat& cur, const cv::Mat& other, const cv::Mat1b& ring,
                                 const cv::Mat1b& seen) {
  std::array<float, 3> offset{0, 0, 0};
  std::array<std::vector<float>, 3> d;
  for (int y = 0; y < ring.rows; ++y) {
    const uchar* r = ring.ptr<uchar>(y);
    const uchar* s = seen.ptr<uchar>(y);
    const float* a = cur.ptr<float>(y);
    const float* p = other.ptr<float>(y);
    for (int x = 0; x < ring.cols; ++x)
      if (r[x] && s[x])
        for (int c = 0; c < 3; ++c) d[size_t(c)].push_back(a[4 * x + c] - p[4 * x + c]);
  }
  if (d[0].size() >= 16)
    for (size_t c = 0; c < 3; ++c) {
      auto mid = d[c].begin() + std::ptrdiff_t(d[c].size() / 2);
      std::nth_element(d[c].begin(), mid, d[c].end());
      offset[c] = *mid;
    }
  return offset;
}

// Poisson blending of the fill into the frame: the difference between the frame and the
// propagated estimate on the ring (smoothed, since grain differs frame to frame) is carried
// into the hole as a membrane, so drift that varies across the hole leaves no edge.
void blend_seam(const cv::Mat& cur, const cv::Mat1b& region, const cv::Mat1b& ring,
                const cv::Mat& sum, const cv::Mat1b& samples, int radius, cv::Mat& work) {
  cv::Mat3f difference(region.size(), cv::Vec3f(0, 0, 0));
  cv::Mat1b known(region.size(), uchar(0));
  for (int y = 0; y < region.rows; ++y)
    for (int x = 0; x < region.cols; ++x) {
      if (!ring(y, x) || samples(y, x) == 0) continue;
      const float* a = cur.ptr<float>(y) + 4 * x;
      const float* s = sum.ptr<float>(y) + 4 * x;
      const float k = samples(y, x);
      difference(y, x) = cv::Vec3f(a[0] - s[0] / k, a[1] - s[1] / k, a[2] - s[2] / k);
      known(y, x) = 255;
    }
  if (cv::countNonZero(known) == 0) return;
  const cv::Mat3f smooth = smooth_difference(difference, known, radius);
  cv::Mat1b defined(region.size(), uchar(0));
  for (int y = 0; y < region.rows; ++y)
    for (int x = 0; x < region.cols; ++x)
      if (smooth(y, x) != cv::Vec3f(0, 0, 0)) defined(y, x) = 255;
  cv::Mat3f fill;
  cv::cvtColor(work, fill, cv::COLOR_BGRA2BGR);
  const cv::Mat3f before = fill.clone();
  add_membrane(fill, region, smooth, defined);
  for (int y = 0; y < region.rows; ++y)
    for (int x = 0; x < region.cols; ++x) {
      if (!region(y, x)) continue;
      float* d = work.ptr<float>(y) + 4 * x;
      const cv::Vec3f delta = fill(y, x) - before(y, x);
      for (int c = 0; c < 3; ++c) d[c] += delta[c];
    }
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

  const AnalysisGrid grid = analysis_grid(w, h);
  const double factor = grid.factor;
  const cv::Size small = grid.size;
  cv::Mat1b cur_grey, cur_trusted;
  if (!order.empty()) {
    cur_grey = analysis_grey(img, small);
    cur_trusted = trusted_cells(&cur_cov, small, w, h);
  }
  cv::Mat sum(roi.size(), CV_32FC4, cv::Scalar::all(0));
  cv::Mat1b samples(roi.size(), uchar(0));
  int64_t unsatisfied = count;
  std::vector<Aligned> aligned;
  std::optional<std::array<float, 3>> grain;
  for (const MaskedFrame* n : order) {
    if (unsatisfied == 0) break;
    if (options.cancelled && options.cancelled()) return cancelled("fill cancelled");
    const Coverage nb_cov(*n->mask, w, h);
    const cv::Mat1b nb_grey = analysis_grey(*n->image, small);
    const Motion motion = estimate_motion(cur_grey, cur_trusted, nb_grey,
                                          trusted_cells(&nb_cov, small, w, h), factor, {w, h});
    Aligned aligned_nb{n, motion, {}, std::nullopt};
    if (!motion.identity && mapped_box(motion.h, roi, {w, h}).empty())
      continue;  // this neighbour never saw the hole's surroundings
    if (!motion.identity && options.local_motion) {
      // A moving camera rarely sees one plane: what the homography leaves over around the hole
      // (with context enough to track features in) is followed by a local motion.
      const int context = std::max(24, std::max(roi.width, roi.height) / 3);
      const cv::Rect area = cv::Rect(roi.x - context, roi.y - context, roi.width + 2 * context,
                                     roi.height + 2 * context) &
                            cv::Rect(0, 0, w, h);
      cv::Mat pixels;
      cv::Mat1f nb_hole;
      warp_into(aligned_nb, area, {w, h}, pixels, nb_hole);
      if (auto a = local_motion(view(img)(area), hole(area), pixels, nb_hole)) {
        const cv::Matx33d to_area(1, 0, -area.x, 0, 1, -area.y, 0, 0, 1);
        aligned_nb.local_area = area;
        aligned_nb.local_h = motion.h * to_area.inv() * *a * to_area;
      }
    }
    aligned.push_back(aligned_nb);
    cv::Mat warped;
    cv::Mat1f warped_hole;
    warp_into(aligned_nb, roi, {w, h}, warped, warped_hole);
    const cv::Mat1b seen = warped_hole < kHoleThreshold;
    const std::array<float, 3> offset = ring_offset(cur_roi, warped, ring, seen);
    if (!grain) grain = temporal_grain(cur_roi, warped, ring & seen);  // the nearest neighbour
    // The hole takes the samples, and so does the ring: what the fill would have been there
    // measures the seam the membrane below removes.
    for (int y = 0; y < roi.height; ++y) {
      const uchar* f = fill_roi.ptr<uchar>(y);
      const uchar* r = ring.ptr<uchar>(y);
      const uchar* s = seen.ptr<uchar>(y);
      const float* src = warped.ptr<float>(y);
      float* acc = sum.ptr<float>(y);
      uchar* k = samples.ptr<uchar>(y);
      for (int x = 0; x < roi.width; ++x) {
        if (!(f[x] || r[x]) || !s[x] || k[x] >= options.max_samples) continue;
        for (int c = 0; c < 3; ++c) acc[4 * x + c] += src[4 * x + c] + offset[size_t(c)];
        if (++k[x] == options.max_samples && f[x]) --unsatisfied;
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
  // What no neighbour saw, from the plate when there is one: a shot-level background holds
  // still from frame to frame, which synthesis per frame cannot promise.
  int64_t from_plate = 0;
  const Image* plate = options.plate;
  Image made_plate;
  if (!plate && options.make_plate && cv::countNonZero(unseen) > 0) {
    made_plate = options.make_plate();
    if (!made_plate.empty()) plate = &made_plate;
  }
  const Rect want{b.x + roi.x, b.y + roi.y, roi.width, roi.height};
  const Rect have = plate ? plate->bounds().intersect(want) : Rect{};
  if (!have.empty() && cv::countNonZero(unseen) > 0) {
    // The plate over the roi, and where it reaches (its alpha: a plate seen from a moving
    // camera may cover only part of the hole).
    cv::Mat pv(roi.size(), CV_32FC4, cv::Scalar::all(0));
    cv::Mat1b covered(roi.size(), uchar(0));
    for (int y = have.y; y < have.bottom(); ++y) {
      const float* p = plate->at(have.x, y);
      float* d = pv.ptr<float>(y - want.y) + 4 * (have.x - want.x);
      uchar* k = covered.ptr<uchar>(y - want.y) + (have.x - want.x);
      std::copy_n(p, size_t(have.w) * 4, d);
      for (int x = 0; x < have.w; ++x) k[x] = p[4 * x + 3] >= 0.5f ? 255 : 0;
    }
    const std::array<float, 3> offset = ring_offset(cur_roi, pv, ring, covered);
    for (int y = 0; y < roi.height; ++y)
      for (int x = 0; x < roi.width; ++x) {
        if (!unseen(y, x) || !covered(y, x)) continue;
        unseen(y, x) = 0;
        ++from_plate;
        for (int c = 0; c < 3; ++c)
          work.ptr<float>(y)[4 * x + c] = pv.ptr<float>(y)[4 * x + c] + offset[size_t(c)];
      }
  }
  const int64_t synthesised = count - propagated - from_plate;
  if (synthesised > 0 && !synthesise_unseen(img, roi, to_fill, aligned, work, unseen, options)) {
    // Too little of the frame left to copy patches from: a diffusion is all there is.
    std::vector<cv::Mat> channels;
    cv::split(work, channels);
    for (int c = 0; c < 3; ++c) {
      cv::Mat scaled = channels[size_t(c)] * 255.0f, out;      // OpenCV's float Telea wants 8-bit
      cv::inpaint(scaled, unseen, out, 3, cv::INPAINT_TELEA);  // magnitudes
      channels[size_t(c)] = out / 255.0f;
    }
    cv::merge(channels, work);
  }
  if (options.cancelled && options.cancelled()) return cancelled("fill cancelled");
  if (propagated > 0) blend_seam(cur_roi, fill_roi, ring, sum, samples, options.ring + 3, work);
  if (options.regrain && grain && propagated < count) {
    cv::Mat1b made = fill_roi.clone();
    made.setTo(0, samples > 0);  // what neighbours gave carries their own grain
    add_grain(work, made, *grain, options.grain_seed);
  }
  if (report) {
    report->propagated = propagated;
    report->synthesised = synthesised;
    report->from_plate = from_plate;
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
