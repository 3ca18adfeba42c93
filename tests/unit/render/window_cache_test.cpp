// The streaming render's sliding window (render/window_cache.h): each frame of a node that a
// temporal window reads is made once per render, not once per output frame that reads it, and
// the output is the same bytes as without the window.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "io/frame_source.h"
#include "ops/register.h"
#include "render/output.h"
#include "render/renderer.h"
#include "render/window_cache.h"
#include "render_test_util.h"
#include "test_support.h"

namespace fl {
namespace {

using json = nlohmann::json;

std::string bytes_of(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class WindowCacheTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=240x96:rate=24 -frames:v 12 -vf "
                           "\"crop=160:96:x='n*3':y=0\" -pix_fmt yuv444p -c:v ffv1 " +
                           file("pan.mkv")),
              0);
    ASSERT_EQ(test::ffmpeg("-f lavfi -i color=black:size=160x96 -frames:v 1 -vf "
                           "\"drawbox=x=60:y=30:w=20:h=20:color=white:t=fill\" " +
                           file("spot.png")),
              0);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string file(const std::string& name) { return dir_->file(name); }

  std::shared_ptr<const graph::Plan> plan(const json& nodes, const std::string& out) {
    json g = {{"sources", {{"s", file("pan.mkv")}, {"m", file("spot.png")}}},
              {"nodes", nodes},
              {"outputs", json::array({{{"node", out}, {"path", "x.mkv"}}})}};
    return test::compile_builtin(g, /*fuse=*/false);  // every node kept, so each can be counted
  }

  // Renders with and without the window; returns the frames made per node with it.
  std::vector<int64_t> render_both(const graph::Plan& p, const std::string& name) {
    std::vector<int64_t> made;
    for (bool window : {true, false}) {
      render::Renderer r;
      render::OutputReport report;
      render::OutputOptions o;
      o.window_cache = window;
      o.report = &report;
      Status s =
          render::render_to_file(r, p, p.outputs[0], o, file(name + (window ? "_w" : "")) + ".mkv");
      EXPECT_TRUE(s.ok()) << s.message();
      if (window) made = report.frames_made;
    }
    EXPECT_EQ(bytes_of(file(name + "_w.mkv")), bytes_of(file(name + ".mkv")))
        << name << ": the window changed the pixels";
    return made;
  }

  static test::TempDir* dir_;
};
test::TempDir* WindowCacheTest::dir_ = nullptr;

TEST_F(WindowCacheTest, AReformatUnderAFillIsMadeOncePerFrame) {
  auto p = plan(
      {{"fit",
        {{"op", "reformat"}, {"inputs", {"s"}}, {"params", {{"width", 320}, {"height", 192}}}}},
       {"fill",
        {{"op", "fill"},
         {"inputs", {{"in", "fit"}, {"mask", "m"}}},
         {"params", {{"hold", false}}}}}},
      "fill");
  auto made = render_both(*p, "reformat_fill");
  ASSERT_EQ(made.size(), p->nodes.size());
  // 12 frames, each read by up to 13 fill frames: made 12 times, not 12 x 13.
  EXPECT_EQ(made[size_t(p->find("fit"))], 12);
  EXPECT_EQ(made[size_t(p->find("fill"))], 12) << "the output: once per frame";
}

TEST_F(WindowCacheTest, AFillUnderAnExtendIsMadeOncePerFrame) {
  auto p = plan(
      {{"fill",
        {{"op", "fill"}, {"inputs", {{"in", "s"}, {"mask", "m"}}}, {"params", {{"hold", false}}}}},
       {"wide",
        {{"op", "extend"}, {"inputs", {"fill"}}, {"params", {{"left", 16}, {"right", 16}}}}}},
      "wide");
  auto made = render_both(*p, "fill_extend");
  EXPECT_EQ(made[size_t(p->find("fill"))], 12);
}

// Only what a consumer reads across time is kept: exposure (read by the fill's window) and
// saturation (read by the extension's); the reformat and the fill between them are made once
// each through the kept frame above them, and held by nobody.
TEST_F(WindowCacheTest, ALongChainKeepsOnlyWhatATemporalWindowReads) {
  auto p = plan(
      {{"fit",
        {{"op", "reformat"}, {"inputs", {"s"}}, {"params", {{"width", 320}, {"height", 192}}}}},
       {"e", {{"op", "exposure"}, {"inputs", {"fit"}}, {"params", {{"stops", 0.3}}}}},
       {"f",
        {{"op", "fill"}, {"inputs", {{"in", "e"}, {"mask", "m"}}}, {"params", {{"hold", false}}}}},
       {"sat", {{"op", "saturation"}, {"inputs", {"f"}}, {"params", {{"saturation", 1.2}}}}},
       {"x", {{"op", "extend"}, {"inputs", {"sat"}}, {"params", {{"left", 16}, {"right", 16}}}}}},
      "x");
  const render::WindowCache window(*p, p->find("x"));
  EXPECT_TRUE(window.keeps(p->find("e")));
  EXPECT_TRUE(window.keeps(p->find("sat")));
  EXPECT_FALSE(window.keeps(p->find("fit")));
  EXPECT_FALSE(window.keeps(p->find("f")));
  EXPECT_FALSE(window.keeps(p->find("x")));
  auto made = render_both(*p, "long_chain");
  for (const char* node : {"fit", "e", "f", "sat", "x"})
    EXPECT_EQ(made[size_t(p->find(node))], 12) << node << ": once per frame";
}

}  // namespace
}  // namespace fl
