#include "render/cache.h"

namespace fl::render {

std::shared_ptr<const Image> ImageCache::get(const ContentKey& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void ImageCache::put(const ContentKey& key, std::shared_ptr<const Image> image) {
  if (!image || image->bytes() > budget_) return;
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  evict_to(budget_ - image->bytes());
  bytes_ += image->bytes();
  lru_.emplace_front(key, std::move(image));
  index_[key] = lru_.begin();
}

void ImageCache::evict_to(size_t budget) {
  while (bytes_ > budget && !lru_.empty()) {
    bytes_ -= lru_.back().second->bytes();
    index_.erase(lru_.back().first);
    lru_.pop_back();
    ++evictions_;
  }
}

void ImageCache::clear() {
  std::lock_guard lock(mu_);
  lru_.clear();
  index_.clear();
  bytes_ = 0;
}

CacheStats ImageCache::stats() const {
  std::lock_guard lock(mu_);
  return {bytes_, budget_, index_.size(), hits_, misses_, evictions_};
}

}  // namespace fl::render
