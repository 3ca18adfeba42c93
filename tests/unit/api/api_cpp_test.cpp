// The C++ API (framelock.hpp) end to end on a synthetic clip.
#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "api_fixture.h"
#include "framelock/framelock.hpp"

namespace fw = framelock;
using api_test::ApiTest;

namespace {

fw::Graph graded(const std::string& clip, const std::string& out = "out.mkv") {
  fw::Graph g;
  EXPECT_TRUE(g.add_source("clip", clip).ok());
  EXPECT_TRUE(g.add_node("grade", "exposure").ok());
  EXPECT_TRUE(g.set_param("grade", "stops", "1").ok());
  EXPECT_TRUE(g.connect("clip", "grade").ok());
  EXPECT_TRUE(g.add_output("grade", out, "ffv1").ok());
  return g;
}

}  // namespace

TEST_F(ApiTest, ProbesAClip) {
  auto engine = fw::Engine::create();
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  auto info = engine->probe(clip());
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->width, 96);
  EXPECT_EQ(info->height, 54);
  EXPECT_EQ(info->frame_count, 10);
  EXPECT_DOUBLE_EQ(info->frame_rate(), 24.0);
  EXPECT_EQ(info->bit_depth, 8);
  EXPECT_EQ(info->codec, "ffv1");
  EXPECT_FALSE(info->color_transfer.empty());
}

TEST_F(ApiTest, MissingMediaIsNotFound) {
  auto engine = fw::Engine::create();
  auto info = engine->probe(file("nothing-here.mov"));
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), fw::Code::kNotFound) << info.status().to_string();
}

TEST_F(ApiTest, CompileErrorNamesTheNodeAndField) {
  auto engine = fw::Engine::create();
  fw::Graph g;
  ASSERT_TRUE(g.add_source("clip", clip()).ok());
  ASSERT_TRUE(g.add_node("grade", "cdl", R"({"slope": [-1, 1, 1]})").ok());
  ASSERT_TRUE(g.connect("clip", "grade", "in").ok());
  auto plan = engine->compile(g);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), fw::Code::kInvalidArgument);
  EXPECT_EQ(plan.status().node(), "grade");
  EXPECT_EQ(plan.status().field(), "nodes.grade.params.slope");
  EXPECT_NE(plan.status().message().find("grade"), std::string::npos);
}

TEST_F(ApiTest, KeyValueParamsAreTypedAtCompile) {
  auto engine = fw::Engine::create();
  fw::Graph g;
  ASSERT_TRUE(g.add_source("clip", clip()).ok());
  ASSERT_TRUE(g.add_node("lift", "exposure").ok());
  ASSERT_TRUE(g.set_param("lift", "stops", "bright").ok());  // refused when compiled
  ASSERT_TRUE(g.connect("clip", "lift").ok());
  auto plan = engine->compile(g);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().node(), "lift");
  EXPECT_EQ(plan.status().field(), "nodes.lift.params.stops");
}

TEST_F(ApiTest, UnknownOperatorNamesTheOpField) {
  auto engine = fw::Engine::create();
  fw::Graph g;
  ASSERT_TRUE(g.add_source("clip", clip()).ok());
  ASSERT_TRUE(g.add_node("x", "no_such_op").ok());
  ASSERT_TRUE(g.connect("clip", "x").ok());
  auto plan = engine->compile(g);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().field(), "nodes.x.op");
  EXPECT_EQ(plan.status().node(), "x");
}

TEST_F(ApiTest, BadJsonIsAParseError) {
  auto g = fw::Graph::parse("{\"framelock\": 1,\n \"nodes\": {");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), fw::Code::kInvalidArgument);
  EXPECT_NE(g.status().message().find("line"), std::string::npos) << g.status().message();
}

TEST_F(ApiTest, GraphFromJsonRoundTrips) {
  auto engine = fw::Engine::create();
  auto text = graded(clip()).to_json();
  ASSERT_TRUE(text.ok()) << text.status().to_string();
  EXPECT_NE(text->find("\"stops\""), std::string::npos) << *text;
  auto g = fw::Graph::parse(*text);
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  auto plan = engine->compile(*g);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  EXPECT_EQ(plan->output_count(), 1);
}

TEST_F(ApiTest, RegionEqualsTheSameRegionOfTheWholeFrame) {
  auto engine = fw::Engine::create();
  auto plan = engine->compile(graded(clip()));
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  for (double scale : {1.0, 0.5}) {
    fw::RenderOptions whole;
    whole.frame = 3;
    whole.scale = scale;
    auto full = engine->render(*plan, whole);
    ASSERT_TRUE(full.ok()) << full.status().to_string();
    EXPECT_EQ(full->width, scale == 1.0 ? 96 : 48);
    fw::RenderOptions part = whole;
    part.whole_frame = false;
    part.region = {5, 7, 20, 11};
    auto region = engine->render(*plan, part);
    ASSERT_TRUE(region.ok()) << region.status().to_string();
    for (int y = 0; y < 11; ++y)
      for (int x = 0; x < 20; ++x)
        for (int c = 0; c < 4; ++c)
          ASSERT_NEAR(region->pixel(x, y)[c], full->pixel(x + 5, y + 7)[c], 1e-5)
              << "scale " << scale << " at " << x << "," << y;
  }
}

TEST_F(ApiTest, GradeChangesThePicture) {
  auto engine = fw::Engine::create();
  fw::Graph plain;
  ASSERT_TRUE(plain.add_source("clip", clip()).ok());
  ASSERT_TRUE(plain.add_output("clip", file("plain.mkv")).ok());
  auto a = engine->compile(plain);
  auto b = engine->compile(graded(clip()));
  ASSERT_TRUE(a.ok() && b.ok());
  auto src = engine->render(*a, {});
  auto lit = engine->render(*b, {});
  ASSERT_TRUE(src.ok() && lit.ok());
  double sum_src = 0, sum_lit = 0;
  for (size_t i = 0; i < src->rgba.size(); i += 4) sum_src += src->rgba[i], sum_lit += lit->rgba[i];
  EXPECT_GT(sum_src, 0);
  EXPECT_NEAR(sum_lit / sum_src, 2.0, 0.01);  // +1 stop doubles linear light
}

TEST_F(ApiTest, SixteenBitIsTheClampedFloat) {
  auto engine = fw::Engine::create();
  auto plan = engine->compile(graded(clip()));
  ASSERT_TRUE(plan.ok());
  auto f = engine->render(*plan, {});
  ASSERT_TRUE(f.ok());
  std::vector<uint16_t> u(f->rgba.size());
  ASSERT_TRUE(engine->render_into(*plan, {}, u.data(), 0, FRAMELOCK_RGBA_U16).ok());
  for (size_t i = 0; i < u.size(); ++i)
    ASSERT_NEAR(u[i], std::min(1.f, std::max(0.f, f->rgba[i])) * 65535.f, 1.0) << i;
}

TEST_F(ApiTest, ProgressiveLevelsComeCoarseToFine) {
  auto engine = fw::Engine::create();
  auto plan = engine->compile(graded(clip()));
  ASSERT_TRUE(plan.ok());
  std::vector<std::pair<int, bool>> levels;
  fw::Status s = engine->render_progressive(*plan, 2, {0.125, 0.5, 1.0}, [&](const fw::Level& l) {
    levels.emplace_back(l.width, l.final);
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.to_string();
  ASSERT_EQ(levels.size(), 3u);
  EXPECT_EQ(levels[0], std::make_pair(12, false));
  EXPECT_EQ(levels[1], std::make_pair(48, false));
  EXPECT_EQ(levels[2], std::make_pair(96, true));
  // Stopping after the coarse level is a cancellation.
  int calls = 0;
  s = engine->render_progressive(*plan, 2, {0.125, 1.0}, [&](const fw::Level&) {
    ++calls;
    return false;
  });
  EXPECT_EQ(s.code(), fw::Code::kCancelled);
  EXPECT_EQ(calls, 1);
}

TEST_F(ApiTest, CallbackExceptionsReachTheCaller) {
  auto engine = fw::Engine::create();
  auto plan = engine->compile(graded(clip()));
  ASSERT_TRUE(plan.ok());
  EXPECT_THROW((void)engine->render_progressive(
                   *plan, 0, {0.25},
                   [](const fw::Level&) -> bool { throw std::runtime_error("host failed"); }),
               std::runtime_error);
}

TEST_F(ApiTest, RendersToAFile) {
  auto engine = fw::Engine::create();
  auto plan = engine->compile(graded(clip(), file("graded.mkv")));
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  int64_t last_done = 0, total = 0;
  fw::OutputOptions o;
  o.first = 2;
  o.last = 5;
  o.progress = [&](int64_t done, int64_t t) {
    last_done = done, total = t;
    return true;
  };
  fw::Status s = engine->render_output(*plan, 0, o);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(last_done, 4);
  EXPECT_EQ(total, 4);
  auto info = engine->probe(file("graded.mkv"));
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->frame_count, 4);
  EXPECT_EQ(info->width, 96);
}

TEST_F(ApiTest, CancelledBeforeStartReturnsCancelled) {
  auto engine = fw::Engine::create();
  auto plan = engine->compile(graded(clip()));
  ASSERT_TRUE(plan.ok());
  fw::CancelToken token;
  token.cancel();
  fw::RenderOptions o;
  o.cancel = &token;
  auto image = engine->render(*plan, o);
  EXPECT_EQ(image.status().code(), fw::Code::kCancelled);
}

TEST_F(ApiTest, CancelFromAnotherThreadStopsAFileRender) {
  auto engine = fw::Engine::create();
  const std::string out = file("cancelled.mkv");
  auto plan = engine->compile(graded(clip(), out));
  ASSERT_TRUE(plan.ok());
  fw::CancelToken token;
  std::mutex mu;
  std::condition_variable cv;
  bool started = false, cancelled = false;
  std::thread canceller([&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return started; });
    token.cancel();
    cancelled = true;
    cv.notify_all();
  });
  fw::OutputOptions o;
  o.cancel = &token;
  // The first frame's report waits for the other thread's cancel, so the render cannot finish
  // before it lands.
  o.progress = [&](int64_t, int64_t) {
    std::unique_lock<std::mutex> lock(mu);
    started = true;
    cv.notify_all();
    cv.wait(lock, [&] { return cancelled; });
    return true;
  };
  fw::Status s = engine->render_output(*plan, 0, o);
  canceller.join();
  EXPECT_EQ(s.code(), fw::Code::kCancelled) << s.to_string();
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(ApiTest, OnlyTheLeanOperatorsAreCarried) {
  auto ops = fw::operators();
  auto has = [&](const char* name) { return std::find(ops.begin(), ops.end(), name) != ops.end(); };
  EXPECT_TRUE(has("cdl"));
  EXPECT_TRUE(has("exposure"));
  EXPECT_TRUE(has("lut3d"));
  EXPECT_FALSE(has("fill"));        // OpenCV: not in libframelock
  EXPECT_FALSE(has("scene_lock"));  // OpenCV: not in libframelock
}
