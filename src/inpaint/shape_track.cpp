#include "inpaint/shape_track.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/text.h"

namespace fl::inpaint {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

Result<Shape> parse_shape(std::string_view text, const std::string& where) {
  std::vector<std::string_view> words;
  for (auto w : split(trim(text), ' '))
    if (!trim(w).empty()) words.push_back(trim(w));
  if (words.empty()) return invalid_argument(where + "an empty shape");
  Shape s;
  size_t want = 0;
  if (words[0] == "rect") {
    s.kind = ShapeKind::kRect, want = 4;
  } else if (words[0] == "ellipse") {
    s.kind = ShapeKind::kEllipse, want = 4;
  } else if (words[0] == "poly") {
    s.kind = ShapeKind::kPolygon;
  } else {
    return invalid_argument(where + "unknown shape '" + std::string(words[0]) +
                            "' (rect, ellipse or poly)");
  }
  for (size_t i = 1; i < words.size(); ++i) {
    double v = 0;
    auto [p, ec] = std::from_chars(words[i].data(), words[i].data() + words[i].size(), v);
    if (ec != std::errc() || p != words[i].data() + words[i].size() || !std::isfinite(v))
      return invalid_argument(where + "'" + std::string(words[i]) + "' is not a number");
    // Far outside any frame (16K is 15360 wide), and fits the rasteriser's fixed point.
    if (std::abs(v) > 1e6) return invalid_argument(where + "coordinates must be within ±1000000");
    if (s.numbers.size() >= 20000) return invalid_argument(where + "at most 10000 points");
    s.numbers.push_back(v);
  }
  if (s.kind == ShapeKind::kPolygon) {
    if (s.numbers.size() < 6 || s.numbers.size() % 2 != 0)
      return invalid_argument(where + "poly needs at least three x y points");
  } else if (s.numbers.size() != want) {
    return invalid_argument(where + std::string(words[0]) + " needs " + std::to_string(want) +
                            " numbers, got " + std::to_string(s.numbers.size()));
  }
  if (s.kind != ShapeKind::kPolygon && (s.numbers[2] < 0 || s.numbers[3] < 0))
    return invalid_argument(where + "sizes must not be negative");
  return s;
}

}  // namespace

Result<ShapeTrack> ShapeTrack::parse(std::string_view text) {
  ShapeTrack t;
  if (trim(text).empty()) return invalid_argument("the shape is empty");
  if (text.find(':') == std::string_view::npos) {
    FL_ASSIGN_OR_RETURN(Shape s, parse_shape(text, "shape: "));
    t.keys_.push_back({0, std::move(s)});
    return t;
  }
  int n = 0;
  for (auto part : split(text, ';')) {
    ++n;
    part = trim(part);
    if (part.empty()) continue;
    const std::string where = "key " + std::to_string(n) + ": ";
    size_t colon = part.find(':');
    if (colon == std::string_view::npos) return invalid_argument(where + "expected FRAME: SHAPE");
    auto f = trim(part.substr(0, colon));
    int64_t frame = -1;
    auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), frame);
    if (ec != std::errc() || p != f.data() + f.size() || frame < 0)
      return invalid_argument(where + "'" + std::string(f) + "' is not a frame number");
    FL_ASSIGN_OR_RETURN(Shape s, parse_shape(part.substr(colon + 1), where));
    if (!t.keys_.empty() && frame <= t.keys_.back().frame)
      return invalid_argument(where + "frames must rise");
    t.keys_.push_back({frame, std::move(s)});
  }
  if (t.keys_.empty()) return invalid_argument("the shape has no keys");
  return t;
}

Shape ShapeTrack::at(int64_t frame) const {
  if (frame <= keys_.front().frame) return keys_.front().shape;
  if (frame >= keys_.back().frame) return keys_.back().shape;
  auto next = std::upper_bound(keys_.begin(), keys_.end(), frame,
                               [](int64_t f, const ShapeKey& k) { return f < k.frame; });
  const ShapeKey& b = *next;
  const ShapeKey& a = *(next - 1);
  // Different shapes (or point counts) cannot be blended: hold the earlier one.
  if (a.shape.kind != b.shape.kind || a.shape.numbers.size() != b.shape.numbers.size())
    return a.shape;
  const double t = double(frame - a.frame) / double(b.frame - a.frame);
  Shape s = a.shape;
  for (size_t i = 0; i < s.numbers.size(); ++i)
    s.numbers[i] = a.shape.numbers[i] + (b.shape.numbers[i] - a.shape.numbers[i]) * t;
  return s;
}

std::vector<float> rasterise(const Shape& shape, int width, int height, const RasterOptions& o) {
  // Drawn with 8x sub-pixel precision and anti-aliased, so a moving shape moves smoothly.
  constexpr int kShift = 3;
  const double k = o.scale * (1 << kShift);
  cv::Mat1b m(height, width, uchar(0));
  // Shape coordinates put pixel centres at +0.5; OpenCV draws them at the integers.
  std::vector<double> v = shape.numbers;
  const double half = 0.5 / o.scale;
  if (shape.kind == ShapeKind::kPolygon) {
    for (double& x : v) x -= half;
  } else if (shape.kind == ShapeKind::kRect) {
    v[0] -= half, v[1] -= half;
    v[2] -= 1.0 / o.scale, v[3] -= 1.0 / o.scale;  // OpenCV fills both end pixels
  } else {
    v[0] -= half, v[1] -= half;
    v[2] = std::max(0.0, v[2] - half), v[3] = std::max(0.0, v[3] - half);
  }
  if (shape.kind == ShapeKind::kRect) {
    std::vector<cv::Point> pts = {
        {int(std::lround(v[0] * k)), int(std::lround(v[1] * k))},
        {int(std::lround((v[0] + v[2]) * k)), int(std::lround(v[1] * k))},
        {int(std::lround((v[0] + v[2]) * k)), int(std::lround((v[1] + v[3]) * k))},
        {int(std::lround(v[0] * k)), int(std::lround((v[1] + v[3]) * k))}};
    cv::fillPoly(m, std::vector<std::vector<cv::Point>>{pts}, 255, cv::LINE_AA, kShift);
  } else if (shape.kind == ShapeKind::kEllipse) {
    cv::ellipse(m, cv::Point(int(std::lround(v[0] * k)), int(std::lround(v[1] * k))),
                cv::Size(int(std::lround(v[2] * k)), int(std::lround(v[3] * k))), 0, 0, 360, 255,
                cv::FILLED, cv::LINE_AA, kShift);
  } else {
    std::vector<cv::Point> pts;
    for (size_t i = 0; i + 1 < v.size(); i += 2)
      pts.emplace_back(int(std::lround(v[i] * k)), int(std::lround(v[i + 1] * k)));
    cv::fillPoly(m, std::vector<std::vector<cv::Point>>{pts}, 255, cv::LINE_AA, kShift);
  }
  cv::Mat1f f;
  m.convertTo(f, CV_32F, 1.0 / 255);
  const double dilate = o.dilate * o.scale;
  if (dilate >= 0.5) {
    int r = int(std::lround(dilate));
    cv::dilate(f, f, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
  }
  const double feather = o.feather * o.scale;
  if (feather >= 0.5) {
    // A Gaussian whose 10-90% ramp spans the feather width.
    double sigma = feather / 2.56;
    cv::GaussianBlur(f, f, cv::Size(0, 0), sigma, sigma, cv::BORDER_REPLICATE);
  }
  std::vector<float> out(size_t(width) * size_t(height));
  for (int y = 0; y < height; ++y) {
    const float* src = f.ptr<float>(y);
    float* dst = out.data() + size_t(y) * size_t(width);
    for (int x = 0; x < width; ++x) dst[x] = o.invert ? 1.0f - src[x] : src[x];
  }
  return out;
}

}  // namespace fl::inpaint
