// A small versioned binary encoding for analysis state: little-endian fixed-width numbers,
// length-prefixed strings and arrays, images. The reader never trusts a length: each read is
// bounds-checked and a short or inconsistent buffer is corrupt_data, never a crash or a huge
// allocation (the store's files may be truncated, foreign or hostile).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "framelock/image.h"
#include "framelock/status.h"

namespace fl::serial {

class Writer {
 public:
  Writer& u32(uint32_t v) { return raw(&v, sizeof v); }
  Writer& i64(int64_t v) { return raw(&v, sizeof v); }
  Writer& f64(double v) { return raw(&v, sizeof v); }
  Writer& boolean(bool v) { return u32(v ? 1 : 0); }
  Writer& str(std::string_view s) {
    i64(int64_t(s.size()));
    return raw(s.data(), s.size());
  }
  Writer& floats(const std::vector<float>& v) {
    i64(int64_t(v.size()));
    return raw(v.data(), v.size() * sizeof(float));
  }
  Writer& bytes(const void* data, size_t size) {
    i64(int64_t(size));
    return raw(data, size);
  }
  Writer& image(const Image& img);
  const std::string& data() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  Writer& raw(const void* p, size_t n) {
    out_.append(static_cast<const char*>(p), n);
    return *this;
  }
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  Result<uint32_t> u32() { return fixed<uint32_t>(); }
  Result<int64_t> i64() { return fixed<int64_t>(); }
  Result<double> f64() { return fixed<double>(); }
  Result<bool> boolean();
  Result<std::string> str();
  Result<std::vector<float>> floats();
  Result<std::string> bytes();
  Result<Image> image();
  // A count of items, each at least `item_bytes` long, that the rest of the buffer can hold.
  Result<int64_t> count(size_t item_bytes);
  bool at_end() const { return pos_ == data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  template <class T>
  Result<T> fixed() {
    if (remaining() < sizeof(T)) return truncated();
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  Status truncated() const;
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace fl::serial
