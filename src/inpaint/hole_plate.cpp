#include "inpaint/hole_plate.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "inpaint/alignment.h"

namespace fl::inpaint {
namespace {

constexpr double kScales[] = {1.0, 0.5, 0.25, 0.125};

int level_of(double scale) {
  for (int i = 0; i < 4; ++i)
    if (std::abs(kScales[i] - scale) < 1e-9) return i;
  return 0;
}

cv::Mat1b binary_mask(const Image& mask, cv::Size grid) {
  const Coverage cov(mask, grid.width, grid.height);
  return cov.region(cv::Rect(0, 0, grid.width, grid.height)) >= kHoleThreshold;
}

}  // namespace

const Image& HolePlate::level(double scale) const { return levels.at(size_t(level_of(scale))); }

Result<Rect> lasting_hole_box(int64_t frames, int64_t mask_frames, const FrameSource& mask,
                              int window, int width, int height) {
  if (frames <= 0 || width <= 0 || height <= 0) return Rect{};
  // The 1/8 pyramid level's size (extents halved with rounding up, three times).
  const cv::Size grid((width + 7) / 8, (height + 7) / 8);
  cv::Mat1b lasting(grid, uchar(0));
  if (mask_frames == 1) {
    // One mask for every frame: a locked-off camera never sees behind any of it.
    FL_ASSIGN_OR_RETURN(Image m, mask(0, 0.125));
    lasting = binary_mask(m, grid);
  } else {
    // A ring of the last 2 * window + 1 masks: memory does not grow with the clip.
    const int span = 2 * window + 1;
    std::vector<cv::Mat1b> recent(static_cast<size_t>(span));
    auto window_and = [&](int64_t f) {
      cv::Mat1b all = recent[size_t(f % span)].clone();
      for (int64_t g = std::max<int64_t>(0, f - window); g <= std::min(frames - 1, f + window); ++g)
        cv::bitwise_and(all, recent[size_t(g % span)], all);
      cv::bitwise_or(lasting, all, lasting);
    };
    for (int64_t k = 0; k < frames; ++k) {
      FL_ASSIGN_OR_RETURN(Image m, mask(std::min(k, mask_frames - 1), 0.125));
      recent[size_t(k % span)] = binary_mask(m, grid);
      if (k - window >= 0) window_and(k - window);
    }
    for (int64_t f = std::max<int64_t>(0, frames - window); f < frames; ++f) window_and(f);
  }
  if (cv::countNonZero(lasting) == 0) return Rect{};
  const cv::Rect b = cv::boundingRect(lasting);
  const double sx = double(width) / grid.width, sy = double(height) / grid.height;
  const int x0 = int(std::floor(b.x * sx)), y0 = int(std::floor(b.y * sy));
  const int x1 = std::min(width, int(std::ceil(b.br().x * sx)));
  const int y1 = std::min(height, int(std::ceil(b.br().y * sy)));
  return Rect{x0, y0, x1 - x0, y1 - y0};
}

Result<std::optional<HolePlate>> build_hole_plate(int64_t frames, int64_t mask_frames,
                                                  const FrameSource& frame, const FrameSource& mask,
                                                  const Rect& box,
                                                  const HolePlateOptions& options) {
  if (frames <= 0 || box.empty()) return std::optional<HolePlate>();
  const int64_t reference = frames / 2;
  auto mask_at = [&](int64_t f) {
    return mask(mask_frames == 1 ? 0 : std::min(f, mask_frames - 1), 1.0);
  };
  FL_ASSIGN_OR_RETURN(Image ref, frame(reference, 1.0));
  FL_ASSIGN_OR_RETURN(Image ref_mask, mask_at(reference));
  const int w = ref.width(), h = ref.height();
  // Context around the holes for the synthesis to copy from, on a grid of 8 so that every
  // pyramid level of the plate starts on a whole pixel.
  const int margin = std::max(48, std::max(box.w, box.h));
  Rect region = box.expanded(margin).intersect(Rect{0, 0, w, h});
  const int x0 = region.x / 8 * 8, y0 = region.y / 8 * 8;
  const int x1 = std::min(w, (region.right() + 7) / 8 * 8);
  const int y1 = std::min(h, (region.bottom() + 7) / 8 * 8);
  region = Rect{x0, y0, x1 - x0, y1 - y0};

  const std::vector<int64_t> picks = plate_sample_frames(frames, reference, options.samples,
                                                         region.w, region.h, options.sample_budget);
  const int64_t total = int64_t(picks.size()) + 1;
  PlateOptions po;
  po.region = region;
  po.cancelled = [&] { return options.progress && !options.progress(total - 1, total); };
  PlateBuilder builder(ref, &ref_mask, int(picks.size()), po);
  builder.add(ref, &ref_mask);
  for (size_t i = 1; i < picks.size(); ++i) {
    if (options.progress && !options.progress(int64_t(i), total))
      return cancelled("fill's plate cancelled");
    FL_ASSIGN_OR_RETURN(Image img, frame(picks[i], 1.0));
    FL_ASSIGN_OR_RETURN(Image m, mask_at(picks[i]));
    builder.add(img, &m);
  }
  HolePlate out;
  Result<Image> plate = builder.finish(&out.report);
  if (!plate.ok()) {
    if (plate.status().code() == ErrorCode::kCancelled) return plate.status();
    return std::optional<HolePlate>();  // too little seen: synthesis per frame, as without one
  }
  out.reference = reference;
  out.width = w;
  out.height = h;
  const AnalysisGrid grid = analysis_grid(w, h);
  out.grey = analysis_grey(ref, grid.size);
  const Coverage ref_cov(ref_mask, w, h);
  out.trusted = trusted_cells(&ref_cov, grid.size, w, h);
  out.levels = plate_levels(*plate, w, h);
  return std::optional<HolePlate>(std::move(out));
}

Image plate_view(const HolePlate& plate, double scale, const Image& frame,
                 const Image* frame_mask) {
  const Image& level = plate.level(scale);
  const AnalysisGrid grid = analysis_grid(plate.width, plate.height);
  cv::Mat1b trusted;
  if (frame_mask) {
    const Coverage cov(*frame_mask, frame.width(), frame.height());
    trusted = trusted_cells(&cov, grid.size, frame.width(), frame.height());
  } else {
    trusted = trusted_cells(nullptr, grid.size, frame.width(), frame.height());
  }
  const Motion m = estimate_motion(plate.grey, plate.trusted, analysis_grey(frame, grid.size),
                                   trusted, grid.factor, {plate.width, plate.height});
  if (m.identity) return level;
  // Reference pixel -> this frame's pixel at the level's scale, then into the box it lands in.
  const double s = double(frame.width()) / plate.width;
  const cv::Matx33d scaled =
      cv::Matx33d(s, 0, 0, 0, s, 0, 0, 0, 1) * m.h * cv::Matx33d(1 / s, 0, 0, 0, 1 / s, 0, 0, 0, 1);
  const Rect& lb = level.bounds();
  const cv::Matx33d from_level = scaled * cv::Matx33d(1, 0, lb.x, 0, 1, lb.y, 0, 0, 1);
  const cv::Rect box =
      mapped_box(from_level, cv::Rect(0, 0, lb.w, lb.h), {frame.width(), frame.height()});
  if (box.empty()) return Image();
  const cv::Matx33d to_box = cv::Matx33d(1, 0, -box.x, 0, 1, -box.y, 0, 0, 1) * from_level;
  cv::Mat warped, covered;
  cv::warpPerspective(view(level), warped, to_box, box.size(), cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT);
  cv::warpPerspective(cv::Mat1f(lb.h, lb.w, 1.0f), covered, to_box, box.size(), cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT);
  Image out(Rect{frame.bounds().x + box.x, frame.bounds().y + box.y, box.width, box.height});
  for (int y = 0; y < box.height; ++y) {
    const float* p = warped.ptr<float>(y);
    const float* k = covered.ptr<float>(y);
    float* d = out.data() + size_t(y) * size_t(box.width) * 4;
    for (int x = 0; x < box.width; ++x) {
      for (int c = 0; c < 3; ++c) d[4 * x + c] = p[4 * x + c];
      d[4 * x + 3] = std::clamp(k[x], 0.0f, 1.0f);
    }
  }
  return out;
}

}  // namespace fl::inpaint
