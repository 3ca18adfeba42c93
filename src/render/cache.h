// Byte-budgeted LRU of immutable images keyed by content (libvips' operation cache idea).
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/hash.h"
#include "framelock/image.h"

namespace fl::render {

struct CacheStats {
  size_t bytes = 0;
  size_t budget = 0;
  size_t entries = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
};

class ImageCache {
 public:
  explicit ImageCache(size_t budget_bytes) : budget_(budget_bytes) {}

  std::shared_ptr<const Image> get(const ContentKey& key);
  // An image larger than the whole budget is not kept.
  void put(const ContentKey& key, std::shared_ptr<const Image> image);
  void clear();
  CacheStats stats() const;

 private:
  using Entry = std::pair<ContentKey, std::shared_ptr<const Image>>;
  void evict_to(size_t budget);

  mutable std::mutex mu_;
  size_t budget_;
  size_t bytes_ = 0;
  std::list<Entry> lru_;  // front = most recent
  std::unordered_map<ContentKey, std::list<Entry>::iterator, ContentKeyHash> index_;
  uint64_t hits_ = 0, misses_ = 0, evictions_ = 0;
};

}  // namespace fl::render
