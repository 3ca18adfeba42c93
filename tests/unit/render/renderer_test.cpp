// Renderer behaviour: cancellation by token and by id, cache reuse, streaming to sinks,
// nothing left behind on failure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "io/frame_source.h"
#include "ops/register.h"
#include "render/output.h"
#include "render/renderer.h"
#include "test_support.h"

namespace fl {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

class RendererTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clip_ = dir_.file("clip.mkv");
    ASSERT_EQ(
        test::ffmpeg("-f lavfi -i testsrc2=size=320x240:rate=24 -frames:v 24 -c:v ffv1 " + clip_),
        0);
  }
  std::shared_ptr<const graph::Plan> plan(const std::string& out, double stops = 1.0) {
    json g = {{"sources", {{"s", clip_}}},
              {"nodes",
               {{"e", {{"op", "exposure"}, {"inputs", {"s"}}, {"params", {{"stops", stops}}}}},
                {"r", {{"op", "resize"}, {"inputs", {"e"}}, {"params", {{"width", 160}}}}}}},
              {"outputs", json::array({{{"node", "r"}, {"path", out}}})}};
    auto parsed = graph::parse_graph(g.dump());
    EXPECT_TRUE(parsed.ok());
    graph::CompileOptions o;
    o.probe = [](const std::string& p) { return io::probe(p); };
    auto compiled = graph::compile(*parsed, ops::builtin_registry(), o);
    EXPECT_TRUE(compiled.ok()) << compiled.status().message();
    return *compiled;
  }
  test::TempDir dir_;
  std::string clip_;
};

TEST_F(RendererTest, CancelledTokenStopsTheRender) {
  auto p = plan("null");
  render::Renderer r;
  render::RenderRequest req;
  req.cancel = std::make_shared<graph::CancelToken>();
  req.cancel->cancel();
  auto img = r.render(*p, p->outputs[0].node, req);
  ASSERT_FALSE(img.ok());
  EXPECT_EQ(img.status().code(), ErrorCode::kCancelled);
}

TEST_F(RendererTest, CancelByIdLeavesNoOutput) {
  auto p = plan(dir_.file("out.mkv"));
  render::Renderer r;
  render::OutputOptions options;
  options.cancel = r.register_render("job-1");
  std::atomic<bool> cancelled{false};
  options.progress = [&](const render::Progress& pr) {
    if (pr.frames_done == 3) cancelled = r.cancel("job-1");
  };
  Status s = render::render_to_file(r, *p, p->outputs[0], options);
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(s.code(), ErrorCode::kCancelled) << s.message();
  EXPECT_FALSE(r.cancel("job-2"));  // unknown ids are not an error, just false
  for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().filename(), "clip.mkv") << "left behind: " << e.path();
}

TEST_F(RendererTest, SecondRenderComesFromCache) {
  auto p = plan("null");
  render::Renderer r;
  render::RenderRequest req;
  req.frame = 5;
  auto a = r.render(*p, p->outputs[0].node, req);
  ASSERT_TRUE(a.ok());
  auto hits = r.cache_stats().hits;
  auto b = r.render(*p, p->outputs[0].node, req);
  ASSERT_TRUE(b.ok());
  EXPECT_GT(r.cache_stats().hits, hits);
  EXPECT_EQ(a->get(), b->get());  // the very same image
  // A downstream parameter change reuses the decoded source frame.
  auto p2 = plan("null", 2.0);
  auto misses = r.cache_stats().misses;
  ASSERT_TRUE(r.render(*p2, p2->outputs[0].node, req).ok());
  EXPECT_LT(r.cache_stats().misses - misses, 4u);
}

TEST_F(RendererTest, RejectsBadFramesAndScales) {
  auto p = plan("null");
  render::Renderer r;
  render::RenderRequest req;
  req.frame = 24;
  EXPECT_THAT(r.render(*p, p->outputs[0].node, req).status().message(),
              HasSubstr("frame 24 is out of range"));
  req.frame = 0;
  req.scale = 0.3;
  EXPECT_FALSE(r.render(*p, p->outputs[0].node, req).ok());
}

TEST_F(RendererTest, StreamsEveryFrameInOrder) {
  auto p = plan(dir_.file("out.nut"));
  render::Renderer r;
  render::OutputOptions options;
  std::vector<int64_t> seen;
  options.progress = [&](const render::Progress& pr) { seen.push_back(pr.frames_done); };
  ASSERT_TRUE(render::render_to_file(r, *p, p->outputs[0], options).ok());
  ASSERT_EQ(seen.size(), 24u);
  auto info = io::probe(dir_.file("out.nut"));
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->frame_count, 24);
  EXPECT_EQ(info->width, 160);
  // Frame 17 of the file equals frame 17 rendered on its own.
  auto src = io::open_source(dir_.file("out.nut"));
  ASSERT_TRUE(src.ok());
  auto f17 = (*src)->read_frame(17);
  ASSERT_TRUE(f17.ok());
  render::RenderRequest req;
  req.frame = 17;
  auto direct = r.render(*p, p->outputs[0].node, req);
  ASSERT_TRUE(direct.ok());
  EXPECT_GT(test::psnr(*f17, **direct), 50.0);
}

TEST_F(RendererTest, SameGraphSameBytes) {
  for (const char* ext : {"mkv", "nut"}) {
    auto p1 = plan(dir_.file(std::string("a.") + ext)),
         p2 = plan(dir_.file(std::string("b.") + ext));
    render::Renderer r1, r2;
    ASSERT_TRUE(render::render_to_file(r1, *p1, p1->outputs[0], {}).ok());
    ASSERT_TRUE(render::render_to_file(r2, *p2, p2->outputs[0], {}).ok());
    EXPECT_EQ(test::run(std::string("cmp -s ") + dir_.file(std::string("a.") + ext) + " " +
                        dir_.file(std::string("b.") + ext)),
              0)
        << ext << " output differs between two identical renders";
  }
}

TEST_F(RendererTest, TinyCacheStillRendersCorrectly) {
  auto p = plan("null");
  render::Renderer small(render::RendererOptions{1 << 16, 64});
  render::Renderer big;
  render::RenderRequest req;
  req.frame = 9;
  auto a = small.render(*p, p->outputs[0].node, req), b = big.render(*p, p->outputs[0].node, req);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(test::max_abs_diff(**a, **b), 0.0);
  EXPECT_LE(small.cache_stats().bytes, size_t(1) << 16);
}

}  // namespace
}  // namespace fl

namespace fl {
namespace {

TEST(Timecode, OutputOfAFrameRangeStartsAtItsOwnTimecode) {
  test::TempDir dir;
  std::string clip = dir.file("tc.mov");
  ASSERT_EQ(
      test::ffmpeg("-f lavfi -i testsrc2=size=160x90:rate=25 -frames:v 30 -timecode 01:00:00:00 "
                   "-c:v prores_ks " +
                   clip),
      0);
  json g = {
      {"sources", {{"s", {{"path", clip}, {"frames", {5, 29}}}}}},
      {"nodes", {{"e", {{"op", "exposure"}, {"inputs", {"s"}}, {"params", {{"stops", 0.5}}}}}}},
      {"outputs",
       json::array({{{"node", "e"}, {"path", dir.file("out.mov")}, {"frames", {10, 14}}}})}};
  render::Renderer r;
  graph::CompileOptions o;
  o.probe = r.prober();
  auto plan = graph::compile(*graph::parse_graph(g.dump()), ops::builtin_registry(), o);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_TRUE(render::render_to_file(r, **plan, (*plan)->outputs[0], {}).ok());
  auto info = io::probe(dir.file("out.mov"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->timecode, "01:00:00:15");  // source frame 5 + output frame 10
  EXPECT_EQ(info->frame_count, 5);
  EXPECT_EQ(io::add_timecode_frames("00:00:59;29", 1, {30000, 1001}), "00:01:00;02");  // drop-frame
  EXPECT_EQ(io::add_timecode_frames("00:09:59;29", 1, {30000, 1001}), "00:10:00;00");  // not at :x0
}

}  // namespace
}  // namespace fl
