// Content keys: SHA-256 over a canonical byte stream. Plans, analysis state and rendered tiles
// are cached and compared by these keys, so equal inputs must always produce equal keys.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace fl {

struct ContentKey {
  std::array<uint8_t, 32> bytes{};
  std::string hex() const;
  std::string short_hex() const { return hex().substr(0, 16); }
  bool operator==(const ContentKey&) const = default;
  auto operator<=>(const ContentKey&) const = default;
};

struct ContentKeyHash {
  size_t operator()(const ContentKey& k) const {
    size_t h;
    static_assert(sizeof(h) <= sizeof(k.bytes));
    __builtin_memcpy(&h, k.bytes.data(), sizeof(h));
    return h;
  }
};

class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;

  // Each field is length-prefixed so ("ab","c") and ("a","bc") hash differently.
  Hasher& add(std::string_view bytes);
  Hasher& add(const ContentKey& key) { return add_raw(key.bytes.data(), key.bytes.size()); }
  Hasher& add(int64_t v) { return add_raw(&v, sizeof v); }
  Hasher& add(double v) { return add_raw(&v, sizeof v); }
  Hasher& add_raw(const void* data, size_t size);
  ContentKey finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

ContentKey hash_bytes(std::string_view bytes);
// Hash of a file's size, mtime and path: cheap identity for media that may be gigabytes.
ContentKey hash_file_identity(const std::string& path);

}  // namespace fl
