// Progressive previews: coarse first, then finer; a newer request supersedes the older one.
#include <gtest/gtest.h>

#include <mutex>

#include "io/frame_source.h"
#include "ops/register.h"
#include "render/preview.h"
#include "test_support.h"

namespace fl {
namespace {

std::shared_ptr<const graph::Plan> make_plan(const std::string& clip, double stops) {
  nlohmann::json g = {
      {"sources", {{"s", clip}}},
      {"nodes", {{"e", {{"op", "exposure"}, {"inputs", {"s"}}, {"params", {{"stops", stops}}}}}}}};
  auto parsed = graph::parse_graph(g.dump());
  graph::CompileOptions o;
  o.probe = [](const std::string& p) { return io::probe(p); };
  auto plan = graph::compile(*parsed, ops::builtin_registry(), o);
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  return *plan;
}

// Gathers the delivered levels; callbacks arrive on renderer threads.
struct Collector {
  std::mutex mu;
  std::vector<render::PreviewFrame> frames;
  render::PreviewCallbacks callbacks() {
    return {[this](const render::PreviewFrame& f) {
              std::lock_guard lock(mu);
              frames.push_back(f);
            },
            nullptr};
  }
  size_t size() const { return frames.size(); }
  const render::PreviewFrame& operator[](size_t i) const { return frames[i]; }
  const render::PreviewFrame& back() const { return frames.back(); }
  bool empty() const { return frames.empty(); }
  auto begin() const { return frames.begin(); }
  auto end() const { return frames.end(); }
};

TEST(Preview, CoarseFirstThenRefined) {
  test::TempDir dir;
  std::string clip = dir.file("c.mkv");
  ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=640x360:rate=24 -frames:v 3 -c:v ffv1 " + clip),
            0);
  auto plan = make_plan(clip, 1.0);
  render::Renderer renderer;
  Collector got;
  render::PreviewSession session(renderer, got.callbacks());
  session.request(plan, plan->find("e"), 1);
  session.wait();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].scale, 0.125);
  EXPECT_EQ(got[0].image->width(), 80);
  EXPECT_EQ(got[1].scale, 0.5);
  EXPECT_EQ(got[2].image->width(), 640);
  EXPECT_TRUE(got[2].final);
  EXPECT_LE(got[0].seconds, got[2].seconds);
  // The coarse level is the refined one, smaller.
  Image small =
      render::downsample_half(render::downsample_half(render::downsample_half(*got[2].image)));
  EXPECT_GT(test::psnr(small, *got[0].image), 40.0);
}

TEST(Preview, NewerRequestCancelsOlder) {
  test::TempDir dir;
  std::string clip = dir.file("c.mkv");
  ASSERT_EQ(
      test::ffmpeg("-f lavfi -i testsrc2=size=1920x1080:rate=24 -frames:v 3 -c:v ffv1 " + clip), 0);
  auto slow = make_plan(clip, 1.0), fast = make_plan(clip, 2.0);
  render::Renderer renderer;
  Collector got;
  render::PreviewSession session(renderer, got.callbacks());
  uint64_t first = session.request(slow, slow->find("e"), 0);
  uint64_t second = session.request(fast, fast->find("e"), 2);
  session.wait();
  int finals_of_first = 0, levels_of_second = 0;
  for (const auto& f : got) {
    if (f.request == first && f.final) ++finals_of_first;
    if (f.request == second) ++levels_of_second;
  }
  EXPECT_EQ(finals_of_first, 0) << "the superseded request still delivered its final frame";
  EXPECT_EQ(levels_of_second, 3);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().request, second);
  EXPECT_TRUE(got.back().final);
}

}  // namespace
}  // namespace fl
