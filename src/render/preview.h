// Progressive previews for a live session: the coarse level first, then refinements. A newer
// request cancels the older one, so scrubbing and slider drags never queue up stale work.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "render/renderer.h"

namespace fl::render {

struct PreviewFrame {
  uint64_t request = 0;  // which request this answers
  double scale = 1.0;
  std::shared_ptr<const Image> image;
  double seconds = 0;  // since the request was made
  bool final = false;  // the last level of the request
};

// Called on a renderer thread for each level, coarse to fine; never after a newer request
// arrived. A failed level is reported once through `status` (kCancelled is not reported).
struct PreviewCallbacks {
  std::function<void(const PreviewFrame&)> frame;
  std::function<void(uint64_t request, const Status&)> error;
  // Last, once per request, however it ended (final level, error, cancelled, superseded).
  std::function<void(uint64_t request)> ended;
};

class PreviewSession {
 public:
  PreviewSession(Renderer& renderer, PreviewCallbacks callbacks);
  ~PreviewSession();  // cancels and waits

  // Renders `node` of `plan` at `frame`, once per scale in order (default 1/8, 1/2, 1).
  uint64_t request(std::shared_ptr<const graph::Plan> plan, int node, int64_t frame,
                   std::vector<double> scales = {0.125, 0.5, 1.0});
  void cancel();
  // Cancels `request` only if it is still the latest (a newer one is left alone).
  void cancel(uint64_t request);
  void wait();

 private:
  Renderer& renderer_;
  PreviewCallbacks callbacks_;
  std::mutex mu_;
  uint64_t latest_ = 0;
  std::shared_ptr<graph::CancelToken> current_;
  // Requests run on the scheduler's preview threads (render/scheduler.h), at least two, in the
  // preview arena: as tasks in a shared arena, whose one worker on a small machine a superseded
  // request kept in a stretch it cannot cancel (a 4K decode), the next request's coarse level
  // waited ~0.4 s; a thread per request had no bound.
  std::condition_variable idle_;
  int running_ = 0;
};

}  // namespace fl::render
