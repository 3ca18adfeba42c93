#include "analysis/shots.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include <opencv2/imgproc.hpp>

#include "colour/transfer.h"
#include "io/frame_sink.h"

namespace fl::analysis {
namespace {

constexpr int kBinsPerChannel = 6;
constexpr int kHistogramBins = kBinsPerChannel * kBinsPerChannel * kBinsPerChannel;
constexpr int kNeighbourhood = 8;       // frames each side for a cut's local baseline
constexpr int kDissolveWindow = 16;     // frames between the two ends compared for dissolves
constexpr int kMaxDissolveFrames = 72;  // 3 s at 24 fps
constexpr double kDissolveMinScore = 0.15;
constexpr double kDissolveRatio = 2.0;  // over the median long-range difference around it
constexpr int kDissolveContext = 48;
constexpr double kMaxBlendResidual = 0.3;

FrameSignature signature_of(const cv::Mat& rgb_u16, int thumb_width) {
  const int w = std::max(1, thumb_width);
  const int h = std::max(1, int(std::lround(double(rgb_u16.rows) * w / rgb_u16.cols)));
  cv::Mat small;
  cv::resize(rgb_u16, small, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  FrameSignature s;
  s.width = w;
  s.height = h;
  s.rgb.resize(size_t(w) * h * 3);
  s.histogram.assign(kHistogramBins, 0.f);
  for (int y = 0; y < h; ++y) {
    const uint16_t* row = small.ptr<uint16_t>(y);
    for (int x = 0; x < w * 3; x += 3) {
      int bin = 0;
      for (int c = 0; c < 3; ++c) {
        const float v = float(row[x + c]) * (1.f / 65535.f);
        s.rgb[size_t(y) * w * 3 + size_t(x + c)] = v;
        bin = bin * kBinsPerChannel + std::min(kBinsPerChannel - 1, int(v * kBinsPerChannel));
      }
      s.histogram[size_t(bin)] += 1.f;
    }
  }
  const float norm = 1.f / float(w * h);
  for (float& b : s.histogram) b *= norm;
  return s;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// Where frame f sits on the line from frame a to frame b: (alpha, residual / |b - a|).
std::pair<double, double> blend_fit(const FrameSignature& fa, const FrameSignature& fb,
                                    const FrameSignature& f) {
  double dot = 0, norm = 0;
  for (size_t i = 0; i < f.rgb.size(); ++i) {
    const double d = double(fb.rgb[i]) - fa.rgb[i];
    dot += (double(f.rgb[i]) - fa.rgb[i]) * d;
    norm += d * d;
  }
  if (norm <= 1e-12) return {0, 1};
  const double alpha = dot / norm;
  double res = 0;
  for (size_t i = 0; i < f.rgb.size(); ++i) {
    const double model = fa.rgb[i] + alpha * (double(fb.rgb[i]) - fa.rgb[i]);
    res += (f.rgb[i] - model) * (f.rgb[i] - model);
  }
  return {alpha, std::sqrt(res / norm)};
}

struct Boundary {
  int64_t frame;  // first frame of the new shot
  Transition kind;
  double score;
  int64_t span_first = -1, span_last = -1;
};

// A dissolve whose long-range difference peaks at frame c, or nothing.
std::optional<Boundary> dissolve_at(const std::vector<FrameSignature>& fr,
                                    const std::vector<char>& is_cut, int64_t c, double score) {
  const int64_t n = int64_t(fr.size());
  int64_t a = c - kDissolveWindow, b = c;
  for (int64_t f = a + 1; f <= b; ++f)
    if (is_cut[size_t(f)]) return std::nullopt;  // a cut explains the difference
  const double step = 1.0 / double(b - a);
  // Grow the span while the frames beyond its ends still move along the same blend.
  while (b - a < kMaxDissolveFrames && a > 0 && !is_cut[size_t(a)]) {
    auto [alpha, res] = blend_fit(fr[size_t(a)], fr[size_t(b)], fr[size_t(a - 1)]);
    if (alpha > -0.5 * step || res > kMaxBlendResidual) break;
    --a;
  }
  while (b - a < kMaxDissolveFrames && b + 1 < n && !is_cut[size_t(b + 1)]) {
    auto [alpha, res] = blend_fit(fr[size_t(a)], fr[size_t(b)], fr[size_t(b + 1)]);
    if (alpha < 1 + 0.5 * step || res > kMaxBlendResidual) break;
    ++b;
  }
  // Every frame between must be a blend of the ends, moving steadily from one to the other.
  double residual = 0, prev = 0;
  int backwards = 0;
  int64_t mid = -1, span_first = -1, span_last = -1;
  for (int64_t f = a + 1; f < b; ++f) {
    auto [alpha, res] = blend_fit(fr[size_t(a)], fr[size_t(b)], fr[size_t(f)]);
    residual += res;
    if (alpha < prev - 0.05) ++backwards;
    prev = std::max(prev, alpha);
    if (alpha > 0.05 && span_first < 0) span_first = f;
    if (alpha < 0.95) span_last = f;
    if (alpha >= 0.5 && mid < 0) mid = f;
  }
  residual /= double(b - a - 1);
  if (residual > kMaxBlendResidual || backwards > (b - a) / 5 || mid < 0 || span_first < 0 ||
      span_last < span_first || span_last - span_first < 2)
    return std::nullopt;
  return Boundary{mid, Transition::kDissolve, score, span_first, span_last};
}

}  // namespace

FrameSignature signature_of_bgr8(const uint8_t* bgr, int width, int height, size_t stride,
                                 int thumb_width) {
  // Down to the thumbnail first: a whole analysis frame widened to 16 bits would cost more than
  // the thumbnail's rounding to 8 bits changes.
  const int w = std::max(1, thumb_width);
  const int h = std::max(1, int(std::lround(double(height) * w / width)));
  cv::Mat thumb, rgb16;
  cv::resize(cv::Mat(height, width, CV_8UC3, const_cast<uint8_t*>(bgr), stride), thumb, {w, h}, 0,
             0, cv::INTER_AREA);
  cv::cvtColor(thumb, thumb, cv::COLOR_BGR2RGB);
  thumb.convertTo(rgb16, CV_16U, 257);
  return signature_of(rgb16, thumb_width);
}

FrameSignature signature_of_rgb48(const uint16_t* rgb, int width, int height, int thumb_width) {
  return signature_of(cv::Mat(height, width, CV_16UC3, const_cast<uint16_t*>(rgb)), thumb_width);
}

FrameSignature signature_of_linear(const Image& img, colour::Transfer transfer, int thumb_width) {
  const colour::TransferCurve& curve = colour::TransferCurve::get(transfer);
  cv::Mat rgb(img.height(), img.width(), CV_16UC3);
  for (int y = 0; y < img.height(); ++y) {
    const float* p = img.row(img.bounds().y + y);
    uint16_t* d = rgb.ptr<uint16_t>(y);
    for (int x = 0; x < img.width(); ++x)
      for (int c = 0; c < 3; ++c) {
        const float v = std::clamp(curve.to_encoded(p[4 * x + c]), 0.f, 1.f);
        d[3 * x + c] = uint16_t(v * 65535.f + 0.5f);
      }
  }
  return signature_of(rgb, thumb_width);
}

const char* transition_name(Transition t) {
  switch (t) {
    case Transition::kStart:
      return "start";
    case Transition::kCut:
      return "cut";
    case Transition::kDissolve:
      return "dissolve";
  }
  return "cut";
}

double signature_distance(const FrameSignature& a, const FrameSignature& b) {
  double hist = 0;
  for (size_t i = 0; i < a.histogram.size() && i < b.histogram.size(); ++i)
    hist += std::abs(double(a.histogram[i]) - b.histogram[i]);
  double pix = 0;
  const size_t n = std::min(a.rgb.size(), b.rgb.size());
  for (size_t i = 0; i < n; ++i) pix += std::abs(double(a.rgb[i]) - b.rgb[i]);
  pix = n ? pix / double(n) : 0;
  return 0.5 * (0.5 * hist) + 0.5 * std::min(1.0, 4.0 * pix);
}

std::vector<Shot> detect_shots(const std::vector<FrameSignature>& fr, const ShotOptions& opt) {
  const int64_t n = int64_t(fr.size());
  if (n == 0) return {};
  std::vector<double> s(size_t(n), 0.0);
  for (int64_t i = 1; i < n; ++i)
    s[size_t(i)] = signature_distance(fr[size_t(i - 1)], fr[size_t(i)]);

  // Hard cuts: a difference that stands out from its neighbourhood and is not a flash.
  std::vector<char> is_cut(size_t(n), 0);
  std::vector<Boundary> found;
  for (int64_t i = 1; i < n; ++i) {
    std::vector<double> around;
    for (int64_t j = std::max<int64_t>(1, i - kNeighbourhood);
         j <= std::min(n - 1, i + kNeighbourhood); ++j)
      if (j != i) around.push_back(s[size_t(j)]);
    const double base = std::max(0.01, median(around));
    if (s[size_t(i)] < opt.cut_min_score || s[size_t(i)] < opt.cut_ratio * base) continue;
    // A flash (or a glitch) of up to two frames: the pictures either side of it match again.
    bool flash = false;
    for (int64_t p = std::max<int64_t>(0, i - 3); p < i && !flash; ++p)
      for (int64_t q = i; q <= std::min(n - 1, i + 2) && !flash; ++q)
        flash = q - p >= 2 && q - p <= 3 &&
                signature_distance(fr[size_t(p)], fr[size_t(q)]) < 0.4 * s[size_t(i)];
    if (flash) continue;
    is_cut[size_t(i)] = 1;
    found.push_back({i, Transition::kCut, std::min(1.0, s[size_t(i)])});
  }

  // Dissolves and fades: long-range difference peaks that are blends all the way.
  if (opt.dissolves && n > kDissolveWindow + 2) {
    std::vector<double> lr(size_t(n), 0.0);
    for (int64_t i = kDissolveWindow; i < n; ++i)
      lr[size_t(i)] = signature_distance(fr[size_t(i - kDissolveWindow)], fr[size_t(i)]);
    int64_t covered_until = -1;
    for (int64_t c = kDissolveWindow; c < n; ++c) {
      if (c <= covered_until || lr[size_t(c)] < kDissolveMinScore) continue;
      std::vector<double> around;
      for (int64_t j = std::max<int64_t>(kDissolveWindow, c - kDissolveContext);
           j <= std::min(n - 1, c + kDissolveContext); ++j)
        around.push_back(lr[size_t(j)]);
      if (lr[size_t(c)] < kDissolveRatio * median(around)) continue;
      const bool peak =
          (c + 1 >= n || lr[size_t(c)] >= lr[size_t(c + 1)]) && lr[size_t(c)] >= lr[size_t(c - 1)];
      if (!peak) continue;
      if (auto d = dissolve_at(fr, is_cut, c, std::min(1.0, lr[size_t(c)]))) {
        covered_until = d->span_last + kDissolveWindow;
        found.push_back(*d);
      }
    }
  }

  // Boundaries in order; one that would leave a shot shorter than the minimum goes (the weaker
  // of two close ones).
  std::sort(found.begin(), found.end(),
            [](const Boundary& x, const Boundary& y) { return x.frame < y.frame; });
  std::vector<Boundary> kept;
  for (const Boundary& b : found) {
    if (b.frame < opt.min_shot_frames || n - b.frame < opt.min_shot_frames) continue;
    if (!kept.empty() && b.frame - kept.back().frame < opt.min_shot_frames) {
      if (b.score > kept.back().score) kept.back() = b;
      continue;
    }
    kept.push_back(b);
  }

  std::vector<Shot> shots;
  Shot first;
  first.first = 0;
  shots.push_back(first);
  for (const Boundary& b : kept) {
    shots.back().last = b.frame - 1;
    Shot next;
    next.first = b.frame;
    next.in = b.kind;
    next.score = b.score;
    next.transition_first = b.span_first;
    next.transition_last = b.span_last;
    shots.push_back(next);
  }
  shots.back().last = n - 1;
  return shots;
}

Result<std::vector<Shot>> detect_shots(io::FrameSource& source, const ShotOptions& options,
                                       const ShotProgress& progress) {
  const MediaInfo& info = source.info();
  const int64_t total = info.frame_count;
  if (total <= 0) return invalid_argument("'" + info.path + "': no frames to analyse");
  std::vector<FrameSignature> frames;
  frames.reserve(size_t(total));
  for (int64_t i = 0; i < total; ++i) {
    if (source.reads_rgb48()) {
      FL_ASSIGN_OR_RETURN(Rgb48Image img, source.read_frame_rgb48(i));
      frames.push_back(
          signature_of_rgb48(img.data(), img.width(), img.height(), options.thumbnail_width));
      if (progress && !progress(i + 1, total)) return cancelled("shot detection cancelled");
      continue;
    }
    // Stills and sequences: linear float back to display-referred values.
    FL_ASSIGN_OR_RETURN(Image img, source.read_frame(i));
    frames.push_back(signature_of_linear(img, source.transfer(), options.thumbnail_width));
    if (progress && !progress(i + 1, total)) return cancelled("shot detection cancelled");
  }
  std::vector<Shot> shots = detect_shots(frames, options);
  const std::string start = info.timecode.empty() ? "00:00:00:00" : info.timecode;
  for (Shot& s : shots) {
    s.timecode_in = io::add_timecode_frames(start, s.first, info.frame_rate);
    s.timecode_out = io::add_timecode_frames(start, s.last, info.frame_rate);
  }
  return shots;
}

}  // namespace fl::analysis
