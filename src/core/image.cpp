#include "framelock/image.h"

#include <cstring>

#include "core/buffer_pool.h"

namespace fl {

Image::Image(const Rect& bounds) : bounds_(bounds) {
  if (!bounds.empty()) {
    // Uninitialised on purpose: a 4K RGBA float frame is 132 MB and every producer overwrites it.
    // Large buffers are recycled (core/buffer_pool.h) rather than mmapped afresh per frame.
    pixels_ = core::make_pixel_buffer(float_count());
  }
}

Rgb48Image::Rgb48Image(int width, int height) : width_(width), height_(height) {
  if (empty()) return;
  // Through the same pool as float frames (a 4K frame is 50 MB): floats are 2 samples each.
  std::shared_ptr<float[]> buffer = core::make_pixel_buffer((pixel_count() * kChannels + 1) / 2);
  pixels_ = std::shared_ptr<uint16_t[]>(buffer, reinterpret_cast<uint16_t*>(buffer.get()));
}

Image Image::clone() const {
  Image out(bounds_);
  if (!empty()) std::memcpy(out.data(), data(), bytes());
  return out;
}

void Image::copy_from(const Image& src) {
  Rect overlap = bounds_.intersect(src.bounds());
  if (overlap.empty()) return;
  for (int y = overlap.y; y < overlap.bottom(); ++y) {
    std::memcpy(at(overlap.x, y), src.at(overlap.x, y),
                size_t(overlap.w) * kChannels * sizeof(float));
  }
}

Image Image::crop_clamped(const Rect& region) const {
  Image out(region);
  if (empty() || region.empty()) return out;
  for (int y = region.y; y < region.bottom(); ++y) {
    int sy = std::clamp(y, bounds_.y, bounds_.bottom() - 1);
    float* dst = out.row(y);
    const float* src_row = row(sy);
    int inner_l = std::max(region.x, bounds_.x),
        inner_r = std::min(region.right(), bounds_.right());
    for (int x = region.x; x < region.right(); ++x) {
      if (x == inner_l && inner_r > inner_l) {
        std::memcpy(dst, src_row + size_t(inner_l - bounds_.x) * kChannels,
                    size_t(inner_r - inner_l) * kChannels * sizeof(float));
        dst += size_t(inner_r - inner_l) * kChannels;
        x = inner_r - 1;
        continue;
      }
      int sx = std::clamp(x, bounds_.x, bounds_.right() - 1);
      std::memcpy(dst, src_row + size_t(sx - bounds_.x) * kChannels, kChannels * sizeof(float));
      dst += kChannels;
    }
  }
  return out;
}

void Image::fill(float r, float g, float b, float a) {
  float* p = data();
  for (size_t i = 0, n = pixel_count(); i < n; ++i, p += 4) {
    p[0] = r, p[1] = g, p[2] = b, p[3] = a;
  }
}

}  // namespace fl
