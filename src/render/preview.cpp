#include "render/preview.h"

#include <chrono>

#include "render/scheduler.h"

namespace fl::render {

PreviewSession::PreviewSession(Renderer& renderer, PreviewCallbacks callbacks)
    : renderer_(renderer), callbacks_(std::move(callbacks)) {}

PreviewSession::~PreviewSession() {
  cancel();
  wait();
}

void PreviewSession::cancel() {
  std::lock_guard lock(mu_);
  if (current_) current_->cancel();
}

void PreviewSession::cancel(uint64_t request) {
  std::lock_guard lock(mu_);
  if (current_ && latest_ == request) current_->cancel();
}

void PreviewSession::wait() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return running_ == 0; });
}

uint64_t PreviewSession::request(std::shared_ptr<const graph::Plan> plan, int node, int64_t frame,
                                 std::vector<double> scales) {
  auto token = std::make_shared<graph::CancelToken>();
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    if (current_) current_->cancel();
    current_ = token;
    id = ++latest_;
    ++running_;
  }
  const auto start = std::chrono::steady_clock::now();
  // On the scheduler's preview threads, counted: wait() and the destructor return only once
  // every request has ended, and a task touches nothing of this session after its count goes
  // down under the lock.
  post_preview([this, plan = std::move(plan), node, frame, scales = std::move(scales), token, id,
                start] {
    struct Ended {
      PreviewSession& session;
      uint64_t id;
      ~Ended() {
        if (session.callbacks_.ended) session.callbacks_.ended(id);
        std::lock_guard lock(session.mu_);
        --session.running_;
        session.idle_.notify_all();
      }
    } ended{*this, id};
    for (size_t i = 0; i < scales.size(); ++i) {
      if (token->cancelled()) return;
      RenderRequest req;
      req.frame = frame;
      req.scale = scales[i];
      req.cancel = token;
      req.quality = i + 1 == scales.size() ? 2 : 1;
      auto img = renderer_.render(*plan, node, req);
      if (!img.ok()) {
        if (img.status().code() != ErrorCode::kCancelled && callbacks_.error && !token->cancelled())
          callbacks_.error(id, img.status());
        return;
      }
      // Checked under the lock so a newer request() can never be followed by this frame.
      std::lock_guard lock(mu_);
      if (token->cancelled()) return;
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (callbacks_.frame) callbacks_.frame({id, scales[i], *img, secs, i + 1 == scales.size()});
    }
  });
  return id;
}

}  // namespace fl::render
