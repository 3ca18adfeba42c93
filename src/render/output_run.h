// Internal to src/render: the bookkeeping every streamed output shares, whichever pixel path it
// takes: the cancel token, the first error, progress, and the sink's end (finish or abort).
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>

#include "render/renderer.h"

namespace fl::render {

class OutputRun {
 public:
  OutputRun(const OutputOptions& options, int64_t total)
      : cancel_(options.cancel ? options.cancel : std::make_shared<graph::CancelToken>()),
        progress_(options.progress),
        in_flight_(std::max(1, options.frames_in_flight)),
        total_(total),
        start_(std::chrono::steady_clock::now()) {}

  const std::shared_ptr<graph::CancelToken>& cancel_token() const { return cancel_; }
  bool cancelled() const { return cancel_->cancelled(); }
  size_t frames_in_flight() const { return size_t(in_flight_); }

  // Keeps the first error and stops the pipeline.
  void fail(Status s) {
    std::lock_guard lock(mu_);
    if (error_.ok()) error_ = std::move(s);
    cancel_->cancel();
  }

  // Called by the (serial) writing stage after each frame.
  void frame_written() {
    ++done_;
    if (!progress_) return;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double fps = secs > 0 ? double(done_) / secs : 0;
    progress_({done_, total_, secs, fps, fps > 0 ? double(total_ - done_) / fps : 0});
  }

  // The end of the render: a failed or cancelled one leaves no output behind.
  Status finish(io::FrameSink& sink) {
    if (!error_.ok()) {
      sink.abort();
      return error_;
    }
    if (cancel_->cancelled()) {
      sink.abort();
      return fl::cancelled("render cancelled");
    }
    Status fin = sink.finish();
    if (!fin.ok()) sink.abort();
    return fin;
  }

 private:
  std::shared_ptr<graph::CancelToken> cancel_;
  ProgressFn progress_;
  int in_flight_;
  int64_t total_;
  int64_t done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  Status error_;
};

}  // namespace fl::render
