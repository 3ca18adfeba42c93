// Recycling of large pixel buffers (internal to src/core; Image uses it).
//
// glibc serves every allocation above its mmap threshold (at most 32 MB) with a fresh mmap and
// gives it back with munmap on free, so a 4K float frame (132 MB) costs ~32k page faults each
// time one is made. Streaming renders make and drop several per output frame; keeping a few
// freed buffers of the sizes in use turns that into a lock and a pointer swap.
#pragma once

#include <cstddef>
#include <memory>

namespace fl::core {

// Buffers at least this large go through the pool; smaller ones come from the heap as before.
inline constexpr size_t kPooledMinBytes = size_t(8) << 20;
// Idle (freed, kept for reuse) bytes are capped; a buffer that would go over is released.
inline constexpr size_t kPoolIdleCapBytes = size_t(1) << 30;
inline constexpr size_t kPoolIdleCapBuffers = 8;

// `count` uninitialised floats, 64-byte aligned. The buffer goes back to the pool when the last
// reference drops. Thread-safe. Throws std::bad_alloc like make_shared when memory runs out.
std::shared_ptr<float[]> make_pixel_buffer(size_t count);

// framelock's modules (core/module_loader.h) carry their own copy of this code: they make their
// buffers through the host's maker instead, so that a process has one pool and one budget.
using PixelBufferMaker = std::shared_ptr<float[]> (*)(size_t count);
void use_host_pixel_buffers(PixelBufferMaker maker);

// For a process that streams frames (the command line, the server; not a library's host, whose
// allocator is its own): allocations up to 64 MiB come from the heap and are reused instead of
// being mapped and unmapped each time. glibc maps anything over its threshold (at most 32 MiB)
// afresh, so every demuxed 4K 16-bit packet (50 MB) cost 12,000 page faults: three quarters of
// a pass-through's time (benchmarks §11). The pixel pool covers framelock's own frames; this
// covers FFmpeg's packets and frames.
void tune_allocator_for_frames();

struct PoolStats {
  size_t idle_buffers = 0, idle_bytes = 0;
  size_t reused = 0, allocated = 0;  // counters since start
};
PoolStats pixel_pool_stats();
// Releases every idle buffer (tests, and callers that know memory is tight).
void trim_pixel_pool();

}  // namespace fl::core
