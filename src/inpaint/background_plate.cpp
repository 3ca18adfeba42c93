#include "inpaint/background_plate.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include <opencv2/imgproc.hpp>

#include "inpaint/alignment.h"
#include "inpaint/patch_synthesis.h"

namespace fl::inpaint {
namespace {

// Samples are held as 16-bit square roots of linear light (up to 4.0): a third of float's
// memory, with finer steps in the shadows than linear 16-bit.
constexpr uint16_t kMissing = 0xFFFF;
constexpr float kCodeScale = 65534.0f / 2.0f;

uint16_t to_code(float v) {
  return uint16_t(std::lround(std::sqrt(std::clamp(v, 0.0f, 4.0f)) * kCodeScale));
}
float from_code(uint16_t c) {
  const float e = float(c) / kCodeScale;
  return e * e;
}

}  // namespace

size_t plate_sample_bytes(int width, int height) {
  return size_t(width) * size_t(height) * 3 * sizeof(uint16_t);
}

std::vector<int64_t> plate_sample_frames(int64_t frames, int64_t reference, int wanted, int width,
                                         int height, double budget) {
  const int capacity =
      int(std::min<double>(double(std::min<int64_t>(wanted, frames)),
                           std::max(3.0, budget / double(plate_sample_bytes(width, height)))));
  std::vector<int64_t> picks{reference};
  for (int i = 0; i < capacity && int(picks.size()) < capacity; ++i) {
    const int64_t f =
        capacity == 1 ? 0 : int64_t(std::llround(double(i) * double(frames - 1) / (capacity - 1)));
    if (std::find(picks.begin(), picks.end(), f) == picks.end()) picks.push_back(f);
  }
  return picks;
}

std::vector<Image> plate_levels(const Image& plate, int full_width, int full_height) {
  auto halved = [](int v, int level) {
    for (int i = 0; i < level; ++i) v = (v + 1) / 2;
    return std::max(v, 1);
  };
  const Rect& r = plate.bounds();
  std::vector<Image> levels{plate};
  for (int level = 1; level < 4; ++level) {
    const int d = 1 << level;
    const int x = r.x / d, y = r.y / d;
    const int right = r.right() == full_width ? halved(full_width, level) : r.right() / d;
    const int bottom = r.bottom() == full_height ? halved(full_height, level) : r.bottom() / d;
    Image img(Rect{x, y, std::max(1, right - x), std::max(1, bottom - y)});
    cv::Mat dst = view(img);
    cv::resize(view(plate), dst, dst.size(), 0, 0, cv::INTER_AREA);
    levels.push_back(std::move(img));
  }
  return levels;
}

struct PlateBuilder::Impl {
  Impl(const Image& ref, const Image* ref_mask, int cap, PlateOptions o)
      : reference(ref), w(ref.width()), h(ref.height()), capacity(cap), options(std::move(o)) {
    region = options.region.empty() ? cv::Rect(0, 0, w, h)
                                    : cv::Rect(options.region.x, options.region.y, options.region.w,
                                               options.region.h) &
                                          cv::Rect(0, 0, w, h);
    grid = analysis_grid(w, h);
    ref_grey = analysis_grey(ref, grid.size);
    if (ref_mask) {
      const Coverage cov(*ref_mask, w, h);
      ref_trusted = trusted_cells(&cov, grid.size, w, h);
    } else {
      ref_trusted = trusted_cells(nullptr, grid.size, w, h);
    }
    codes.assign(size_t(capacity) * size_t(region.area()) * 3, kMissing);
  }

  const Image& reference;
  int w, h, capacity;
  PlateOptions options;
  cv::Rect region;  // what the samples cover (reference pixels)
  AnalysisGrid grid;
  cv::Mat1b ref_grey, ref_trusted;
  std::vector<uint16_t> codes;  // sample-major, then pixel, then channel
  int count = 0;
};

PlateBuilder::PlateBuilder(const Image& reference, const Image* reference_mask, int capacity,
                           PlateOptions options)
    : impl_(std::make_unique<Impl>(reference, reference_mask, std::max(1, capacity),
                                   std::move(options))) {}
PlateBuilder::~PlateBuilder() = default;

bool PlateBuilder::add(const Image& frame, const Image* mask) {
  Impl& s = *impl_;
  if (s.count >= s.capacity || frame.width() != s.w || frame.height() != s.h) return false;
  const cv::Size full(s.w, s.h);
  std::unique_ptr<Coverage> cov;
  if (mask) cov = std::make_unique<Coverage>(*mask, s.w, s.h);
  Motion motion;
  if (&frame != &s.reference)
    motion = estimate_motion(s.ref_grey, s.ref_trusted, analysis_grey(frame, s.grid.size),
                             trusted_cells(cov.get(), s.grid.size, s.w, s.h), s.grid.factor, full);
  const cv::Rect& r = s.region;
  cv::Mat pixels;
  cv::Mat1f hole;
  if (motion.identity) {
    pixels = view(frame)(r);
    hole = cov ? cov->region(r) : cv::Mat1f(r.size(), 0.0f);
  } else {
    // Region pixel -> reference pixel -> this frame's pixel; what falls outside is not seen.
    const cv::Matx33d map = motion.h * cv::Matx33d(1, 0, r.x, 0, 1, r.y, 0, 0, 1);
    cv::warpPerspective(view(frame), pixels, map, r.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                        cv::BORDER_CONSTANT);
    const cv::Mat1f frame_hole =
        cov ? cov->region(cv::Rect(0, 0, s.w, s.h)) : cv::Mat1f(full, 0.0f);
    cv::warpPerspective(frame_hole, hole, map, r.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                        cv::BORDER_CONSTANT, cv::Scalar(1.0));
  }
  uint16_t* dst = s.codes.data() + size_t(s.count) * size_t(r.area()) * 3;
  for (int y = 0; y < r.height; ++y) {
    const float* p = pixels.ptr<float>(y);
    const float* m = hole.ptr<float>(y);
    for (int x = 0; x < r.width; ++x, dst += 3) {
      if (m[x] >= kHoleThreshold) continue;  // stays kMissing
      for (int c = 0; c < 3; ++c) dst[c] = to_code(p[4 * x + c]);
    }
  }
  ++s.count;
  return true;
}

Result<Image> PlateBuilder::finish(PlateReport* report) {
  Impl& s = *impl_;
  if (s.count == 0) return invalid_argument("a clean plate needs at least one frame");
  const cv::Rect& region = s.region;
  const int w = region.width, h = region.height;
  const size_t pixels = size_t(region.area());
  Image plate(Rect{region.x, region.y, w, h});
  cv::Mat1b hole(h, w, uchar(0));
  PlateReport r;
  r.samples = s.count;
  r.pixels = int64_t(pixels);
  std::vector<std::pair<int, int>> order;  // (brightness, sample)
  order.reserve(size_t(s.count));
  for (size_t i = 0; i < pixels; ++i) {
    if (i % (64 * size_t(w)) == 0 && s.options.cancelled && s.options.cancelled())
      return cancelled("clean plate cancelled");
    order.clear();
    for (int k = 0; k < s.count; ++k) {
      const uint16_t* c = s.codes.data() + (size_t(k) * pixels + i) * 3;
      if (c[0] == kMissing) continue;
      order.emplace_back(int(c[0]) + 2 * int(c[1]) + int(c[2]), k);
    }
    float* d = plate.data() + 4 * i;
    d[3] = 1.0f;
    const int n = int(order.size());
    if (n == 0) ++r.masked_everywhere;
    if (n < std::min(s.options.min_samples, s.count)) {
      d[0] = d[1] = d[2] = 0.0f;  // defined before the synthesis reads the canvas around it
      hole(int(i / size_t(w)), int(i % size_t(w))) = 255;
      continue;
    }
    // The middle of the samples by brightness: a quarter dropped at each end (the median for
    // three), then averaged, which also takes the grain down.
    std::sort(order.begin(), order.end());
    const int lo = (n + 2) / 4, hi = std::max(lo + 1, n - lo);
    float sum[3] = {0, 0, 0};
    for (int j = lo; j < hi; ++j) {
      const uint16_t* c = s.codes.data() + (size_t(order[size_t(j)].second) * pixels + i) * 3;
      for (int ch = 0; ch < 3; ++ch) sum[ch] += from_code(c[ch]);
    }
    for (int ch = 0; ch < 3; ++ch) d[ch] = sum[ch] / float(hi - lo);
  }
  r.synthesised = cv::countNonZero(hole);
  if (r.synthesised > 0) {
    if (r.synthesised == int64_t(pixels))
      return invalid_argument("no frame shows any of the background outside the mask", "mask");
    cv::Mat3f canvas(h, w);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const float* p = plate.data() + 4 * (size_t(y) * size_t(w) + size_t(x));
        canvas(y, x) = cv::Vec3f(synthesis_encoding::encode(p[0]), synthesis_encoding::encode(p[1]),
                                 synthesis_encoding::encode(p[2]));
      }
    SynthesisOptions so;
    so.cancelled = s.options.cancelled;
    if (!synthesise(canvas, hole, hole == 0, so))
      return invalid_argument("too little of the background is seen to synthesise the rest",
                              "mask");
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        if (!hole(y, x)) continue;
        float* p = plate.data() + 4 * (size_t(y) * size_t(w) + size_t(x));
        for (int c = 0; c < 3; ++c) p[c] = synthesis_encoding::decode(canvas(y, x)[c]);
      }
  }
  if (report) *report = r;
  return plate;
}

}  // namespace fl::inpaint
