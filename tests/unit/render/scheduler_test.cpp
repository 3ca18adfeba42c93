// The scheduler's roles (render/scheduler.h): previews on a pool of their own threads that run
// side by side, and each role's work inside its own arena.
#include "render/scheduler.h"

#include <gtest/gtest.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>

namespace fl::render {
namespace {

using namespace std::chrono_literals;

// A request stuck in a stretch it cannot cancel (a 4K decode) must not hold the next one back.
TEST(Scheduler, ASecondPreviewRunsWhileTheFirstIsStuck) {
  auto second_ran = std::make_shared<std::promise<void>>();
  std::shared_future<void> second = second_ran->get_future().share();
  auto first_saw = std::make_shared<std::promise<bool>>();
  std::future<bool> first = first_saw->get_future();
  // The first task is stuck until the second has run: with one preview thread, never.
  post_preview([second, first_saw] {
    first_saw->set_value(second.wait_for(10s) == std::future_status::ready);
  });
  post_preview([second_ran] { second_ran->set_value(); });
  ASSERT_EQ(first.wait_for(20s), std::future_status::ready);
  EXPECT_TRUE(first.get()) << "the second preview waited for the first to finish";
}

TEST(Scheduler, EachRoleRunsInItsOwnArena) {
  const int cores = std::max(1, tbb::info::default_concurrency());
  int preview = 0, job = 0, analysis = 0;
  run_as(Role::kPreview, [&] { preview = tbb::this_task_arena::max_concurrency(); });
  run_as(Role::kJob, [&] { job = tbb::this_task_arena::max_concurrency(); });
  run_as(Role::kAnalysis, [&] { analysis = tbb::this_task_arena::max_concurrency(); });
  // The preview arena has a slot for each preview thread and room for every TBB worker.
  EXPECT_EQ(preview, std::max(2, cores) + cores - 1);
  EXPECT_EQ(job, cores);
  EXPECT_EQ(analysis, cores);
  EXPECT_EQ(codec_threads(), cores);
}

TEST(Scheduler, ParallelWorkInsideARoleCompletes) {
  std::atomic<int> sum{0};
  run_as(Role::kAnalysis, [&] {
    // A job inside an analysis (nested roles) moves arenas and back.
    tbb::parallel_for(0, 100, [&](int i) {
      if (i == 50) run_as(Role::kJob, [&] { tbb::parallel_for(0, 10, [&](int) { ++sum; }); });
      ++sum;
    });
  });
  EXPECT_EQ(sum.load(), 110);
}

TEST(Scheduler, APreviewTaskThatThrowsLeavesThePoolWorking) {
  post_preview([] { throw std::runtime_error("a task's own failure"); });
  std::promise<void> ran;
  post_preview([&] { ran.set_value(); });
  EXPECT_EQ(ran.get_future().wait_for(10s), std::future_status::ready);
}

}  // namespace
}  // namespace fl::render
