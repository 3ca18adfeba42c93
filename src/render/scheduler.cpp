#include "render/scheduler.h"

#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace fl::render {

namespace {

class Scheduler {
 public:
  Scheduler()
      : cores_(std::max(1, tbb::info::default_concurrency())),
        preview_threads_(std::max(2, cores_)),
        // Every preview thread has its own slot (reserved), and TBB's workers may join them.
        preview_(preview_threads_ + cores_ - 1, unsigned(preview_threads_),
                 tbb::task_arena::priority::high),
        job_(cores_, 1, tbb::task_arena::priority::normal),
        analysis_(cores_, 1, tbb::task_arena::priority::low) {
    for (int i = 0; i < preview_threads_; ++i) threads_.emplace_back([this] { serve_previews(); });
  }

  ~Scheduler() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  tbb::task_arena& arena(Role role) {
    switch (role) {
      case Role::kPreview:
        return preview_;
      case Role::kJob:
        return job_;
      case Role::kAnalysis:
        break;
    }
    return analysis_;
  }

  void post(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(task));
    }
    wake_.notify_one();
  }

 private:
  void serve_previews() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and nothing left to run
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      try {
        preview_.execute([&] { task(); });
      } catch (...) {
        // A task reports its own failures (PreviewSession's through its callbacks); one that
        // throws anyway must not take a preview thread with it.
      }
    }
  }

  const int cores_;
  const int preview_threads_;
  tbb::task_arena preview_, job_, analysis_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // last: started after the arenas, joined before them
};

Scheduler& scheduler() {
  static Scheduler s;
  return s;
}

}  // namespace

const char* role_name(Role role) {
  switch (role) {
    case Role::kPreview:
      return "preview";
    case Role::kJob:
      return "job";
    case Role::kAnalysis:
      break;
  }
  return "analysis";
}

void run_as(Role role, const std::function<void()>& work) {
  scheduler().arena(role).execute([&] { work(); });
}

void post_preview(std::function<void()> task) { scheduler().post(std::move(task)); }

int codec_threads() {
  // Not through scheduler(): a command that only decodes starts no preview threads.
  return std::max(1, tbb::info::default_concurrency());
}

}  // namespace fl::render
