#include "core/serial.h"

#include <cstdlib>

namespace fl::serial {

Writer& Writer::image(const Image& img) {
  const Rect b = img.bounds();
  i64(b.x).i64(b.y).i64(b.w).i64(b.h);
  const size_t n = size_t(img.pixel_count()) * Image::kChannels;
  return raw(img.data(), n * sizeof(float));
}

Status Reader::truncated() const {
  return corrupt_data("analysis state is truncated at byte " + std::to_string(pos_) + " of " +
                      std::to_string(data_.size()));
}

Result<int64_t> Reader::count(size_t item_bytes) {
  FL_ASSIGN_OR_RETURN(int64_t n, i64());
  if (n < 0 || (item_bytes > 0 && uint64_t(n) > remaining() / item_bytes))
    return corrupt_data("analysis state has an impossible length " + std::to_string(n) +
                        " at byte " + std::to_string(pos_));
  return n;
}

Result<bool> Reader::boolean() {
  FL_ASSIGN_OR_RETURN(uint32_t v, u32());
  if (v > 1) return corrupt_data("analysis state has a bad flag at byte " + std::to_string(pos_));
  return v == 1;
}

Result<std::string> Reader::str() {
  FL_ASSIGN_OR_RETURN(int64_t n, count(1));
  std::string s(data_.substr(pos_, size_t(n)));
  pos_ += size_t(n);
  return s;
}

Result<std::string> Reader::bytes() { return str(); }

Result<std::vector<float>> Reader::floats() {
  FL_ASSIGN_OR_RETURN(int64_t n, count(sizeof(float)));
  std::vector<float> v(static_cast<size_t>(n));
  std::memcpy(v.data(), data_.data() + pos_, size_t(n) * sizeof(float));
  pos_ += size_t(n) * sizeof(float);
  return v;
}

Result<Image> Reader::image() {
  FL_ASSIGN_OR_RETURN(int64_t x, i64());
  FL_ASSIGN_OR_RETURN(int64_t y, i64());
  FL_ASSIGN_OR_RETURN(int64_t w, i64());
  FL_ASSIGN_OR_RETURN(int64_t h, i64());
  if (w < 0 || h < 0 || w > 65536 || h > 65536 || std::abs(x) > (1 << 30) ||
      std::abs(y) > (1 << 30))
    return corrupt_data("analysis state has an image of impossible size " + std::to_string(w) +
                        "x" + std::to_string(h));
  const size_t n = size_t(w) * size_t(h) * Image::kChannels * sizeof(float);
  if (remaining() < n) return truncated();
  if (w == 0 || h == 0) return Image();
  Image img(Rect{int(x), int(y), int(w), int(h)});
  std::memcpy(img.data(), data_.data() + pos_, n);
  pos_ += n;
  return img;
}

}  // namespace fl::serial
