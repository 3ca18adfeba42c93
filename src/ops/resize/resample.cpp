#include "ops/resize/resample.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace fl::ops {

Result<Filter> parse_filter(const std::string& name) {
  if (name == "box") return Filter::kBox;
  if (name == "bilinear") return Filter::kBilinear;
  if (name == "bicubic") return Filter::kBicubic;
  if (name == "lanczos3") return Filter::kLanczos3;
  return invalid_argument("unknown filter '" + name + "'", "params.filter");
}

namespace {

double radius(Filter f) {
  switch (f) {
    case Filter::kBox:
      return 0.5;
    case Filter::kBilinear:
      return 1.0;
    case Filter::kBicubic:
      return 2.0;
    case Filter::kLanczos3:
      return 3.0;
  }
  return 1.0;
}

double sinc(double x) {
  if (std::fabs(x) < 1e-8) return 1.0;
  x *= M_PI;
  return std::sin(x) / x;
}

double weight(Filter f, double x) {
  x = std::fabs(x);
  switch (f) {
    case Filter::kBox:
      return x <= 0.5 ? 1.0 : 0.0;
    case Filter::kBilinear:
      return x < 1 ? 1 - x : 0.0;
    case Filter::kBicubic: {  // Catmull-Rom (B=0, C=0.5): sharp, no ringing beyond one lobe
      if (x < 1) return 1.5 * x * x * x - 2.5 * x * x + 1;
      if (x < 2) return -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2;
      return 0.0;
    }
    case Filter::kLanczos3:
      return x < 3 ? sinc(x) * sinc(x / 3) : 0.0;
  }
  return 0.0;
}

// Taps of every output position along one axis.
struct Taps {
  std::vector<int> first;  // first input index (already clamped per tap below)
  std::vector<int> count;
  std::vector<int> index;     // clamped input indices, count[i] per output
  std::vector<float> weight;  // normalised
  std::vector<size_t> start;
};

Taps make_taps(int out_begin, int out_end, const AxisMap& m, Filter f, int in_lo, int in_hi) {
  Taps t;
  double support_scale = std::max(1.0, m.ratio);  // widen the filter when shrinking
  double r = radius(f) * support_scale;
  for (int o = out_begin; o < out_end; ++o) {
    double c = m.to_input(o);
    int lo = int(std::ceil(c - r)), hi = int(std::floor(c + r));
    if (hi < lo) hi = lo = int(std::lround(c));
    t.start.push_back(t.index.size());
    double sum = 0;
    size_t s = t.weight.size();
    for (int k = lo; k <= hi; ++k) {
      double w = weight(f, (k - c) / support_scale);
      if (w == 0.0) continue;
      t.index.push_back(std::clamp(k, in_lo, in_hi - 1));
      t.weight.push_back(float(w));
      sum += w;
    }
    if (t.weight.size() == s) {  // degenerate: nearest pixel
      t.index.push_back(std::clamp(int(std::lround(c)), in_lo, in_hi - 1));
      t.weight.push_back(1.0f);
      sum = 1.0;
    }
    for (size_t k = s; k < t.weight.size(); ++k) t.weight[k] = float(t.weight[k] / sum);
    t.count.push_back(int(t.weight.size() - s));
  }
  return t;
}

}  // namespace

Rect resample_region(const Rect& out, const AxisMap& mx, const AxisMap& my, Filter f,
                     const Rect& in_bounds) {
  auto span = [&](int a, int b, const AxisMap& m, int lo, int hi) {
    double r = radius(f) * std::max(1.0, m.ratio);
    int s = int(std::floor(m.to_input(a) - r)), e = int(std::ceil(m.to_input(b - 1) + r)) + 1;
    s = std::clamp(s, lo, hi - 1);
    e = std::clamp(e, s + 1, hi);
    return std::pair{s, e};
  };
  auto [x0, x1] = span(out.x, out.right(), mx, in_bounds.x, in_bounds.right());
  auto [y0, y1] = span(out.y, out.bottom(), my, in_bounds.y, in_bounds.bottom());
  return {x0, y0, x1 - x0, y1 - y0};
}

void resample(const Image& src, Image& out, const Rect& tile, const AxisMap& mx, const AxisMap& my,
              Filter f, const Rect& in_bounds) {
  const Rect sb = src.bounds().intersect(in_bounds);
  Taps tx = make_taps(tile.x, tile.right(), mx, f, sb.x, sb.right());
  Taps ty = make_taps(tile.y, tile.bottom(), my, f, sb.y, sb.bottom());
  // Horizontal pass over just the input rows this tile's vertical taps touch.
  int row_lo = *std::min_element(ty.index.begin(), ty.index.end());
  int row_hi = *std::max_element(ty.index.begin(), ty.index.end()) + 1;
  std::vector<float> tmp(size_t(row_hi - row_lo) * tile.w * 4);
  for (int y = row_lo; y < row_hi; ++y) {
    const float* in = src.row(y);
    float* t = tmp.data() + size_t(y - row_lo) * tile.w * 4;
    for (int o = 0; o < tile.w; ++o, t += 4) {
      float acc[4] = {0, 0, 0, 0};
      size_t s = tx.start[size_t(o)];
      for (int k = 0; k < tx.count[size_t(o)]; ++k) {
        const float* p = in + size_t(tx.index[s + k] - src.bounds().x) * 4;
        float w = tx.weight[s + k];
        acc[0] += w * p[0], acc[1] += w * p[1], acc[2] += w * p[2], acc[3] += w * p[3];
      }
      t[0] = acc[0], t[1] = acc[1], t[2] = acc[2], t[3] = acc[3];
    }
  }
  for (int o = 0; o < tile.h; ++o) {
    float* d = out.at(tile.x, tile.y + o);
    size_t s = ty.start[size_t(o)];
    std::fill(d, d + size_t(tile.w) * 4, 0.0f);
    for (int k = 0; k < ty.count[size_t(o)]; ++k) {
      const float* t = tmp.data() + size_t(ty.index[s + k] - row_lo) * tile.w * 4;
      float w = ty.weight[s + k];
      for (int i = 0; i < tile.w * 4; ++i) d[i] += w * t[i];
    }
  }
}

}  // namespace fl::ops
