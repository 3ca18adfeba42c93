#include "core/buffer_pool.h"

#include <malloc.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

namespace fl::core {
namespace {

constexpr size_t kAlign = size_t(2)
                          << 20;  // 2 MiB: lets the kernel back big frames with huge pages

struct Idle {
  void* ptr;
  size_t bytes;
};

// Process-wide, like the heap it stands in front of. Never destroyed: Images may outlive static
// destruction (a cache held by a static), and their deleters still return buffers here.
class Pool {
 public:
  void* take(size_t bytes) {
    {
      std::lock_guard lock(mu_);
      for (size_t i = idle_.size(); i-- > 0;) {
        if (idle_[i].bytes != bytes) continue;
        void* p = idle_[i].ptr;
        idle_.erase(idle_.begin() + std::ptrdiff_t(i));
        idle_bytes_ -= bytes;
        ++reused_;
        return p;
      }
      ++allocated_;
    }
    void* p = std::aligned_alloc(kAlign, round_up(bytes));
    if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    ::madvise(p, round_up(bytes), MADV_HUGEPAGE);  // advice only; failure changes nothing
#endif
    return p;
  }

  void give(void* p, size_t bytes) noexcept {
    {
      std::lock_guard lock(mu_);
      if (idle_.size() < kPoolIdleCapBuffers && idle_bytes_ + bytes <= kPoolIdleCapBytes) {
        try {
          idle_.push_back({p, bytes});
          idle_bytes_ += bytes;
          return;
        } catch (...) {  // no room to remember it: free it instead
        }
      }
    }
    std::free(p);
  }

  PoolStats stats() {
    std::lock_guard lock(mu_);
    return {idle_.size(), idle_bytes_, reused_, allocated_};
  }

  void trim() {
    std::vector<Idle> drop;
    {
      std::lock_guard lock(mu_);
      drop.swap(idle_);
      idle_bytes_ = 0;
    }
    for (const Idle& i : drop) std::free(i.ptr);
  }

 private:
  static size_t round_up(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

  std::mutex mu_;
  std::vector<Idle> idle_;  // most recently freed last: reuse warm buffers first
  size_t idle_bytes_ = 0;
  size_t reused_ = 0, allocated_ = 0;
};

Pool& pool() {
  static Pool* p = new Pool;  // intentionally leaked, see above
  return *p;
}

}  // namespace

namespace {
std::atomic<PixelBufferMaker> host_maker{nullptr};
}  // namespace

void use_host_pixel_buffers(PixelBufferMaker maker) { host_maker.store(maker); }

void tune_allocator_for_frames() {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  // Freed heap at the top is given back past this; below it, it is kept for the next frame.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

std::shared_ptr<float[]> make_pixel_buffer(size_t count) {
  if (PixelBufferMaker host = host_maker.load(std::memory_order_relaxed)) return host(count);
  const size_t bytes = count * sizeof(float);
  if (bytes < kPooledMinBytes) return std::make_shared_for_overwrite<float[]>(count);
  Pool& p = pool();
  float* data = static_cast<float*>(p.take(bytes));
  try {
    return std::shared_ptr<float[]>(data, [&p, bytes](float* f) { p.give(f, bytes); });
  } catch (...) {
    p.give(data, bytes);
    throw;
  }
}

PoolStats pixel_pool_stats() { return pool().stats(); }
void trim_pixel_pool() { pool().trim(); }

}  // namespace fl::core
