// Image: linear-light float RGBA, interleaved, positioned in frame coordinates.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace fl {

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;

  bool empty() const { return w <= 0 || h <= 0; }
  int64_t area() const { return empty() ? 0 : int64_t(w) * h; }
  int right() const { return x + w; }
  int bottom() const { return y + h; }
  bool contains(const Rect& o) const {
    return o.x >= x && o.y >= y && o.right() <= right() && o.bottom() <= bottom();
  }
  Rect intersect(const Rect& o) const {
    int l = std::max(x, o.x), t = std::max(y, o.y);
    int r = std::min(right(), o.right()), b = std::min(bottom(), o.bottom());
    return r > l && b > t ? Rect{l, t, r - l, b - t} : Rect{};
  }
  Rect unite(const Rect& o) const {
    if (empty()) return o;
    if (o.empty()) return *this;
    int l = std::min(x, o.x), t = std::min(y, o.y);
    int r = std::max(right(), o.right()), b = std::max(bottom(), o.bottom());
    return {l, t, r - l, b - t};
  }
  Rect expanded(int margin) const {
    return {x - margin, y - margin, w + 2 * margin, h + 2 * margin};
  }
  bool operator==(const Rect&) const = default;
};

// Pixels are 4 floats (R, G, B, A). The buffer is shared between copies: an Image handed to
// the cache or to another node must be treated as immutable; call clone() to edit one.
class Image {
 public:
  static constexpr int kChannels = 4;

  Image() = default;
  Image(int width, int height) : Image(Rect{0, 0, width, height}) {}
  explicit Image(const Rect& bounds);

  bool empty() const { return bounds_.empty(); }
  const Rect& bounds() const { return bounds_; }
  int width() const { return bounds_.w; }
  int height() const { return bounds_.h; }
  size_t pixel_count() const { return size_t(bounds_.area()); }
  size_t float_count() const { return pixel_count() * kChannels; }
  size_t bytes() const { return float_count() * sizeof(float); }

  float* data() { return pixels_.get(); }
  const float* data() const { return pixels_.get(); }
  // Row y (frame coordinates), pointing at column bounds().x.
  float* row(int y) { return pixels_.get() + size_t(y - bounds_.y) * bounds_.w * kChannels; }
  const float* row(int y) const {
    return pixels_.get() + size_t(y - bounds_.y) * bounds_.w * kChannels;
  }
  float* at(int x, int y) { return row(y) + size_t(x - bounds_.x) * kChannels; }
  const float* at(int x, int y) const { return row(y) + size_t(x - bounds_.x) * kChannels; }

  Image clone() const;
  // Copies the overlap of `src` into this image (both in frame coordinates).
  void copy_from(const Image& src);
  // A new image holding `region` of this one; outside the bounds is edge-clamped.
  Image crop_clamped(const Rect& region) const;
  void fill(float r, float g, float b, float a);
  // Moves the image in frame coordinates without touching pixels.
  void set_origin(int x, int y) { bounds_.x = x, bounds_.y = y; }

 private:
  Rect bounds_;
  std::shared_ptr<float[]> pixels_;
};

// 16-bit code values, packed RGB (FFmpeg's rgb48), whole frames only. What the renderer's integer
// path carries from decoder to encoder when nothing in between needs linear light; the values
// are encoded with the transfer function of the source that produced them.
class Rgb48Image {
 public:
  static constexpr int kChannels = 3;

  Rgb48Image() = default;
  Rgb48Image(int width, int height);
  // Over packed rows that someone else allocated (a decoder's frame, handed over): `pixels`
  // owns them, and no one else may still write to them.
  Rgb48Image(int width, int height, std::shared_ptr<uint16_t[]> pixels)
      : width_(width), height_(height), pixels_(std::move(pixels)) {}

  bool empty() const { return width_ <= 0 || height_ <= 0; }
  int width() const { return width_; }
  int height() const { return height_; }
  size_t pixel_count() const { return size_t(width_) * size_t(height_); }
  uint16_t* data() { return pixels_.get(); }
  const uint16_t* data() const { return pixels_.get(); }
  uint16_t* row(int y) { return pixels_.get() + size_t(y) * size_t(width_) * kChannels; }
  const uint16_t* row(int y) const {
    return pixels_.get() + size_t(y) * size_t(width_) * kChannels;
  }

 private:
  int width_ = 0, height_ = 0;
  std::shared_ptr<uint16_t[]> pixels_;
};

}  // namespace fl
