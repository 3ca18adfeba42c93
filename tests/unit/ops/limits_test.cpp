// Resource limits (graph/limits.h) on real operators: a huge frame or working set is refused at
// compile, naming the node, before anything is rendered.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "graph/plan.h"
#include "ops/register.h"

namespace fl {
namespace {

using json = nlohmann::json;

// A 4K clip of 100 frames, without opening a file.
graph::CompileOptions uhd_probe() {
  graph::CompileOptions o;
  o.probe = [](const std::string& path) -> Result<MediaInfo> {
    MediaInfo m;
    m.path = path;
    m.width = 4096, m.height = 2160, m.frame_count = 100;
    return m;
  };
  return o;
}

Result<std::shared_ptr<const graph::Plan>> compile(const json& nodes, const std::string& out,
                                                   const graph::ResourceLimits& limits) {
  json g = {{"sources", {{"clip", "a.mov"}, {"holes", "m.mov"}}},
            {"nodes", nodes},
            {"outputs", json::array({{{"node", out}, {"path", "x.mov"}}})}};
  FL_ASSIGN_OR_RETURN(graph::Graph parsed, graph::parse_graph(g.dump()));
  graph::CompileOptions o = uhd_probe();
  o.limits = limits;
  return graph::compile(parsed, ops::builtin_registry(), o);
}

constexpr int64_t kUhdFrame = int64_t(4096) * 2160 * 16;  // linear float RGBA

TEST(Limits, AHugeResizeIsRefusedNamingTheNode) {
  json nodes = {{"big",
                 {{"op", "resize"},
                  {"inputs", {"clip"}},
                  {"params", {{"width", 16000}, {"height", 16000}}}}}};
  graph::ResourceLimits limits;
  limits.max_frame_pixels = int64_t(8192) * 8192;
  auto plan = compile(nodes, "big", limits);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(plan.status().field(), "nodes.big");
  EXPECT_NE(plan.status().message().find("16000x16000"), std::string::npos)
      << plan.status().message();
  EXPECT_NE(plan.status().message().find("256.0 Mpixel"), std::string::npos);
  // Without limits (the command line on one's own machine) it compiles.
  EXPECT_TRUE(compile(nodes, "big", {}).ok());
}

TEST(Limits, TheWorkingSetCountsEveryFrameATemporalWindowHolds) {
  // fill reaches 6 frames each side: 13 reformatted frames and the 13 decoded ones under them,
  // 13 of the mask, and the filled frame.
  json nodes = {
      {"fit",
       {{"op", "reformat"}, {"inputs", {"clip"}}, {"params", {{"width", 4096}, {"height", 2160}}}}},
      {"fill",
       {{"op", "fill"},
        {"inputs", {{"in", "fit"}, {"mask", "holes"}}},
        {"params", {{"hold", false}}}}}};
  auto plan = compile(nodes, "fill", {});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const int fill = (*plan)->find("fill");
  EXPECT_EQ(graph::estimate_working_set(**plan, fill), kUhdFrame * (13 + 13 + 13 + 1));
  // A plain grade holds one frame and its source.
  json grade = {{"g", {{"op", "exposure"}, {"inputs", {"clip"}}, {"params", {{"stops", 1}}}}}};
  auto simple = compile(grade, "g", {});
  ASSERT_TRUE(simple.ok());
  EXPECT_EQ(graph::estimate_working_set(**simple, (*simple)->find("g")), kUhdFrame * 2);

  graph::ResourceLimits limits;
  limits.max_working_set_bytes = kUhdFrame * 20;
  EXPECT_TRUE(compile(grade, "g", limits).ok());
  auto refused = compile(nodes, "fill", limits);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(refused.status().field(), "nodes.fill");
  EXPECT_NE(refused.status().message().find("GiB"), std::string::npos);
  // Frames in flight multiply it.
  limits.max_working_set_bytes = kUhdFrame * 4;
  limits.frames_at_once = 3;
  EXPECT_EQ(compile(grade, "g", limits).status().code(), ErrorCode::kResourceExhausted);
}

}  // namespace
}  // namespace fl
