// Sources with other primaries than the working space are converted as they are decoded;
// outputs are converted to their own primaries and tagged with them.
#include <gtest/gtest.h>

#include "colour/primaries.h"
#include "io/frame_source.h"
#include "ops/register.h"
#include "render/output.h"
#include "render/renderer.h"
#include "test_support.h"

namespace fl {
namespace {

using json = nlohmann::json;

class PrimariesRenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clip_ = dir_.file("wide.mkv");
    // A saturated green tagged Rec.2020, 4:4:4 16-bit so that only the conversion matters.
    ASSERT_EQ(test::ffmpeg("-f lavfi -i color=c=0x30B050:s=64x48:r=24 -frames:v 3 "
                           "-pix_fmt yuv444p16le -c:v ffv1 -color_primaries bt2020 "
                           "-color_trc bt709 -colorspace bt709 " +
                           clip_),
              0);
  }

  Result<std::shared_ptr<const graph::Plan>> compile(json g) {
    auto parsed = graph::parse_graph(g.dump());
    if (!parsed.ok()) return parsed.status();
    graph::CompileOptions o;
    o.probe = [](const std::string& p) { return io::probe(p); };
    return graph::compile(*parsed, ops::builtin_registry(), o);
  }

  Image frame(json g) {
    auto plan = compile(std::move(g));
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    render::Renderer r;
    render::RenderRequest req;
    auto img = r.render(**plan, (*plan)->outputs[0].node, req);
    EXPECT_TRUE(img.ok()) << img.status().message();
    return **img;
  }

  test::TempDir dir_;
  std::string clip_;
};

TEST_F(PrimariesRenderTest, SourceIsConvertedIntoTheWorkingSpace) {
  auto probe = io::probe(clip_);
  ASSERT_TRUE(probe.ok());
  ASSERT_EQ(probe->color_primaries, "bt2020");
  json as_is = {{"sources", {{"s", clip_}}}, {"outputs", json::array({{{"node", "s"}}})}};
  Image wide = frame(as_is);  // working space = the source's own (Rec.2020): untouched
  json narrow = as_is;
  narrow["working_space"] = "rec709";
  Image in709 = frame(narrow);
  const colour::Matrix3 m =
      colour::primaries_conversion(colour::Primaries::kRec2020, colour::Primaries::kRec709);
  const float* p = wide.at(10, 10);
  const float* q = in709.at(10, 10);
  for (int r = 0; r < 3; ++r) {
    double want =
        m[size_t(3 * r)] * p[0] + m[size_t(3 * r + 1)] * p[1] + m[size_t(3 * r + 2)] * p[2];
    EXPECT_NEAR(q[r], want, 1e-5) << "channel " << r;
  }
  // Rec.2020 green is outside Rec.709: red goes negative in linear light, and stays so (no clip).
  EXPECT_LT(q[0], 0.0f);
}

TEST_F(PrimariesRenderTest, OutputConvertsBackAndIsTagged) {
  const std::string out = dir_.file("back.mkv");
  json g = {{"working_space", "rec709"},
            {"sources", {{"s", clip_}}},
            {"outputs", json::array({{{"node", "s"}, {"path", out}, {"primaries", "rec2020"}}})}};
  auto plan = compile(g);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  render::Renderer r;
  render::OutputReport report;
  render::OutputOptions o;
  o.report = &report;
  ASSERT_TRUE(render::render_to_file(r, **plan, (*plan)->outputs[0], o).ok());
  EXPECT_FALSE(report.integer_path);  // a matrix in linear light is the float path's work
  auto info = io::probe(out);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->color_primaries, "bt2020");
  // 709 -> 2020 after 2020 -> 709: the original values, to 16-bit precision.
  auto a = io::open_source(clip_), b = io::open_source(out);
  ASSERT_TRUE(a.ok() && b.ok());
  auto fa = (*a)->read_frame(1), fb = (*b)->read_frame(1);
  ASSERT_TRUE(fa.ok() && fb.ok());
  EXPECT_LT(test::max_abs_diff(*fa, *fb), 2e-4);
}

TEST_F(PrimariesRenderTest, NoConversionKeepsTheIntegerPath) {
  const std::string out = dir_.file("copy.mkv");
  json g = {{"sources", {{"s", clip_}}},
            {"outputs", json::array({{{"node", "s"}, {"path", out}}})}};
  auto plan = compile(g);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ((*plan)->working_space, colour::Primaries::kRec2020);
  render::Renderer r;
  render::OutputReport report;
  render::OutputOptions o;
  o.report = &report;
  ASSERT_TRUE(render::render_to_file(r, **plan, (*plan)->outputs[0], o).ok());
  EXPECT_TRUE(report.integer_path);
  EXPECT_EQ(io::probe(out)->color_primaries, "bt2020");
}

TEST_F(PrimariesRenderTest, AcesExrPlatesCarryTheirChromaticities) {
  const std::string pattern = dir_.file("plate.%04d.exr");
  json g = {{"working_space", "rec709"},
            {"sources", {{"s", clip_}}},
            {"outputs", json::array({{{"node", "s"}, {"path", pattern}, {"primaries", "aces"}}})}};
  auto plan = compile(g);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  render::Renderer r;
  ASSERT_TRUE(render::render_to_file(r, **plan, (*plan)->outputs[0], {}).ok());
  auto info = io::probe(dir_.file("plate.0001.exr"));
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->color_primaries, "aces");
  // Read back into Rec.2020: the clip's own values again (half-float precision).
  json back = {{"working_space", "rec2020"},
               {"sources", {{"s", dir_.file("plate.0001.exr")}}},
               {"outputs", json::array({{{"node", "s"}}})}};
  json orig = {{"sources", {{"s", clip_}}}, {"outputs", json::array({{{"node", "s"}}})}};
  Image a = frame(back), b = frame(orig);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(a.at(5, 5)[c], b.at(5, 5)[c], 2e-3) << c;
}

TEST_F(PrimariesRenderTest, BadNamesNameTheField) {
  json g = {{"sources", {{"s", clip_}}}, {"outputs", json::array({{{"node", "s"}}})}};
  json bad_working = g;
  bad_working["working_space"] = "rec2021";
  EXPECT_EQ(compile(bad_working).status().field(), "working_space");
  json bad_source = g;
  bad_source["sources"]["s"] = {{"path", clip_}, {"primaries", "xyz"}};
  EXPECT_EQ(compile(bad_source).status().field(), "sources.s.primaries");
  json bad_output = g;
  bad_output["outputs"][0]["primaries"] = 7;
  EXPECT_EQ(compile(bad_output).status().field(), "outputs[0].primaries");
  json unknown_output = g;
  unknown_output["outputs"][0]["primaries"] = "p4";
  auto s = compile(unknown_output).status();
  EXPECT_EQ(s.field(), "outputs[0].primaries");
  EXPECT_NE(s.message().find("p3d65"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace fl
