// Internal to src/render: the bookkeeping every streamed output shares, whichever pixel path it
// takes: the cancel token, the first error, progress, and the sink's end (finish or abort).
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>

#include <oneapi/tbb/parallel_pipeline.h>

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

  // Streams frames first..last through three stages and finishes the sink:
  //   read(Token&)      serial, in order (decoding is sequential: never seek backwards),
  //   process(Token&)   parallel,
  //   write(Token&)     serial, in order; returns the sink's Status.
  // Token needs `int64_t frame` and `Status status`; a stage that fails sets status and the
  // writer reports it with the frame number. At most frames_in_flight() tokens exist at once.
  template <class Token, class Read, class Process, class Write>
  Status stream(io::FrameSink& sink, int64_t first, int64_t last, Read read, Process process,
                Write write) {
    int64_t next = first;
    try {
      tbb::parallel_pipeline(
          frames_in_flight(),
          tbb::make_filter<void, std::shared_ptr<Token>>(
              tbb::filter_mode::serial_in_order,
              [&](tbb::flow_control& fc) -> std::shared_ptr<Token> {
                if (next > last || cancelled()) {
                  fc.stop();
                  return nullptr;
                }
                auto t = std::make_shared<Token>();
                t->frame = next++;
                read(*t);
                return t;
              }) &
              tbb::make_filter<std::shared_ptr<Token>, std::shared_ptr<Token>>(
                  tbb::filter_mode::parallel,
                  [&](std::shared_ptr<Token> t) {
                    if (t->status.ok() && !cancelled()) process(*t);
                    return t;
                  }) &
              tbb::make_filter<std::shared_ptr<Token>, void>(
                  tbb::filter_mode::serial_in_order, [&](std::shared_ptr<Token> t) {
                    if (cancelled()) return;
                    if (!t->status.ok())
                      return fail(
                          t->status.with_context("frame " + std::to_string(t->frame) + ": "));
                    if (Status s = write(*t); !s.ok()) return fail(s);
                    frame_written();
                  }));
    } catch (const std::exception& e) {
      fail(internal_error(std::string("render pipeline failed: ") + e.what()));
    }
    return finish(sink);
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
