// Masks drawn from shapes with keyframes: what the `mask` op rasterises. A track is one shape
// ("rect X Y W H", "ellipse CX CY RX RY", "poly X1 Y1 X2 Y2 X3 Y3 ...") or keyframes of it
// ("0: rect 10 10 40 40; 48: rect 200 10 40 40"); between keys the numbers move linearly.
// Coordinates are full-resolution pixels.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "framelock/status.h"

namespace fl::inpaint {

enum class ShapeKind { kRect, kEllipse, kPolygon };

struct Shape {
  ShapeKind kind = ShapeKind::kRect;
  std::vector<double> numbers;  // rect: x y w h; ellipse: cx cy rx ry; poly: x y pairs
};

struct ShapeKey {
  int64_t frame = 0;
  Shape shape;
};

class ShapeTrack {
 public:
  // Errors name the key and what is wrong with it.
  static Result<ShapeTrack> parse(std::string_view text);
  // The shape at `frame`: held before the first key and after the last, interpolated between.
  Shape at(int64_t frame) const;
  const std::vector<ShapeKey>& keys() const { return keys_; }

 private:
  std::vector<ShapeKey> keys_;  // by frame, at least one
};

struct RasterOptions {
  double scale = 1.0;  // of full resolution
  double dilate = 0;   // full-resolution pixels
  double feather = 0;  // full-resolution pixels: the soft edge's width
  bool invert = false;
};

// `width`×`height` coverage in [0, 1], row-major.
std::vector<float> rasterise(const Shape& shape, int width, int height, const RasterOptions& o);

}  // namespace fl::inpaint
