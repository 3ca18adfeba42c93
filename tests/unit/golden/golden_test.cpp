// Golden frames on real footage (FFmpeg FATE's idea, tolerant of float noise): a rendered frame
// must stay within a PSNR tolerance of the committed reference. FL_UPDATE_GOLDEN=1 rewrites the
// references (review the pictures before committing them). One reference is external: FFmpeg's
// own lut3d filter on the same frame.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "io/frame_sink.h"
#include "io/frame_source.h"
#include "ops/register.h"
#include "render/renderer.h"
#include "test_support.h"

namespace fl {
namespace {

using json = nlohmann::json;

const std::string kRepo = test::repo_path("");

std::shared_ptr<const Image> render_frame(const json& nodes, const std::string& out_node,
                                          int64_t frame) {
  json g = {{"sources", {{"clip", test::opencv_data("Megamind.avi")}}}, {"nodes", nodes}};
  auto parsed = graph::parse_graph(g.dump(), "golden", kRepo + "/examples");
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  render::Renderer renderer;
  graph::CompileOptions o;
  o.probe = renderer.prober();
  auto plan = graph::compile(*parsed, ops::builtin_registry(), o);
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  render::RenderRequest req;
  req.frame = frame;
  auto img = renderer.render(**plan, (*plan)->find(out_node), req);
  EXPECT_TRUE(img.ok()) << img.status().message();
  return *img;
}

// Compares in the encoded (Rec.709 video) domain, as a viewer would see the frame.
Image encoded(const Image& linear) {
  Image e = linear.clone();
  colour::TransferCurve::get(colour::Transfer::kBt709).rgba_to_encoded(e.data(), e.pixel_count());
  return e;
}

void check_golden(const std::string& name, const Image& linear, double min_psnr) {
  std::string path = kRepo + "/tests/golden/" + name + ".png";
  if (std::getenv("FL_UPDATE_GOLDEN")) {
    io::SinkOptions o;
    o.width = linear.width(), o.height = linear.height();
    o.transfer = colour::Transfer::kBt709;
    auto sink = io::open_sink(path, o);
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    ASSERT_TRUE((*sink)->write(linear).ok());
    ASSERT_TRUE((*sink)->finish().ok());
  }
  auto src = io::open_source(path, {"rec709"});
  ASSERT_TRUE(src.ok()) << "missing golden " << path << " (run with FL_UPDATE_GOLDEN=1)";
  auto golden = (*src)->read_frame(0);
  ASSERT_TRUE(golden.ok());
  double psnr = test::psnr(encoded(*golden), encoded(linear));
  std::printf("%s: %.2f dB\n", name.c_str(), psnr);
  EXPECT_GE(psnr, min_psnr) << name << " drifted from its golden frame";
  ::testing::Test::RecordProperty(name + "_psnr", std::to_string(psnr));
}

TEST(Golden, WarmGradeOnMegamind) {
  json nodes = {
      {"balance",
       {{"op", "cdl"},
        {"inputs", {"clip"}},
        {"params",
         {{"slope", {1.12, 1.0, 0.86}},
          {"offset", {0.01, 0, -0.005}},
          {"power", {1.05, 1, 0.95}},
          {"saturation", 1.15}}}}},
      {"lift", {{"op", "exposure"}, {"inputs", {"balance"}}, {"params", {{"stops", 0.35}}}}},
      {"look",
       {{"op", "lut3d"}, {"inputs", {"lift"}}, {"params", {{"file", "looks/filmic_warm.cube"}}}}}};
  check_golden("megamind_120_warm_grade", *render_frame(nodes, "look", 120), 50.0);
}

TEST(Golden, ReformatToScopeOnMegamind) {
  json nodes = {
      {"scope",
       {{"op", "reformat"},
        {"inputs", {"clip"}},
        {"params", {{"width", 640}, {"height", 268}, {"fit", "fill"}}}}},
      {"sat", {{"op", "saturation"}, {"inputs", {"scope"}}, {"params", {{"saturation", 0.6}}}}}};
  check_golden("megamind_200_scope_desat", *render_frame(nodes, "sat", 200), 50.0);
}

TEST(Golden, Lut3dMatchesFfmpegOnRealFootage) {
  test::TempDir dir;
  std::string cube = kRepo + "/examples/looks/filmic_warm.cube";
  // FFmpeg decodes to 16-bit RGB and applies its lut3d filter to the same frame.
  ASSERT_EQ(
      test::ffmpeg("-i " + test::opencv_data("Megamind.avi") +
                   " -an -vf \"select=eq(n\\,60),format=rgb48le,lut3d=file=" + cube +
                   ":interp=tetrahedral\" -frames:v 1 -pix_fmt rgb48be " + dir.file("ff.png")),
      0);
  auto ff_src = io::open_source(dir.file("ff.png"), {"rec709"});
  ASSERT_TRUE(ff_src.ok());
  auto ff = (*ff_src)->read_frame(0);
  ASSERT_TRUE(ff.ok());
  json nodes = {{"look", {{"op", "lut3d"}, {"inputs", {"clip"}}, {"params", {{"file", cube}}}}}};
  auto ours = render_frame(nodes, "look", 60);
  double psnr = test::psnr(encoded(*ff), encoded(*ours));
  RecordProperty("psnr_vs_ffmpeg", std::to_string(psnr));
  std::printf("psnr vs ffmpeg: %.2f dB\n", psnr);
  EXPECT_GE(psnr, 44.0) << "framelock's lut3d pipeline strays from FFmpeg's on real footage";
}

}  // namespace
}  // namespace fl
