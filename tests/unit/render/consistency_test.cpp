// Every operator, rendered through the real renderer: tiled == whole, region == crop of whole,
// preview ~ downsampled final, fused == unfused, same bytes twice.
#include <gtest/gtest.h>

#include <fstream>

#include "io/frame_source.h"
#include "ops/register.h"
#include "render/renderer.h"
#include "test_support.h"

namespace fl {
namespace {

using json = nlohmann::json;

struct OpCase {
  std::string op;
  json params;
  json inputs;                        // positional
  double preview_psnr;                // preview (1/2) vs downsampled final
  json extra_nodes = json::object();  // upstream nodes the case needs (a mask for fill)
};

class Fixture {
 public:
  Fixture() {
    // Two small real-looking clips: FFmpeg's test pattern and Megamind.
    EXPECT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=256x144:rate=24 -frames:v 4 -c:v ffv1 "
                           "-pix_fmt gbrp16le " +
                           dir.file("pattern.mkv")),
              0);
    EXPECT_EQ(test::ffmpeg("-i " + test::opencv_data("Megamind.avi") +
                           " -an -vf scale=256:144 -frames:v 4 -c:v ffv1 " + dir.file("mega.mkv")),
              0);
    std::ofstream cube(dir.file("look.cube"));
    const int n = 9;
    cube << "TITLE \"test look\"\nLUT_3D_SIZE " << n << "\n";
    for (int b = 0; b < n; ++b)
      for (int g = 0; g < n; ++g)
        for (int r = 0; r < n; ++r) {
          double R = r / (n - 1.0), G = g / (n - 1.0), B = b / (n - 1.0);
          cube << std::pow(R, 0.8) * 0.9 + 0.05 * G << " " << G * G * 0.7 + 0.2 * R << " "
               << std::sqrt(B) * 0.95 << "\n";
        }
    // Two characters on Megamind's first frames, in two "shots", one face moving (a cast file
    // as `framelock characters` writes it).
    json lead = json::array(), still = json::array();
    for (int shot = 0; shot < 2; ++shot) {
      json boxes = json::array();
      for (int f = 2 * shot; f < 2 * shot + 2; ++f)
        boxes.push_back({f, 100 + 4 * f, 20, 36, 44, 0.9});
      lead.push_back(
          {{"shot", shot}, {"start", 2 * shot}, {"end", 2 * shot + 1}, {"boxes", boxes}});
    }
    for (int f = 0; f < 4; ++f) still.push_back({f, 200, 30, 20, 24, 0.8});
    std::ofstream(dir.file("cast.json"))
        << json{{"path", "mega.mkv"},
                {"frame_count", 4},
                {"shots",
                 {{{"index", 0}, {"first", 0}, {"last", 1}},
                  {{"index", 1}, {"first", 2}, {"last", 3}}}},
                {"characters",
                 {{{"id", 1}, {"name", "lead"}, {"tracks", lead}},
                  {{"id", 2},
                   {"name", "extra"},
                   {"tracks", {{{"shot", 0}, {"start", 0}, {"end", 3}, {"boxes", still}}}}}}}}
               .dump();
  }
  std::string graph(const OpCase& c, bool with_neighbours) const {
    json g = {{"sources", {{"s", dir.file("pattern.mkv")}, {"m", dir.file("mega.mkv")}}}};
    json nodes = json::object();
    json inputs = c.inputs;
    std::string head = "s";
    if (with_neighbours) {  // pointwise neighbours let the compiler fuse around the op
      nodes["pre"] = {{"op", "exposure"}, {"inputs", {"s"}}, {"params", {{"stops", 0.3}}}};
      head = "pre";
      for (auto& in : inputs)
        if (in == "s") in = head;
    }
    for (const auto& [id, node] : c.extra_nodes.items()) nodes[id] = node;
    nodes["x"] = {{"op", c.op}, {"inputs", inputs}, {"params", c.params}};
    std::string last = "x";
    if (with_neighbours) {
      nodes["post"] = {{"op", "saturation"}, {"inputs", {"x"}}, {"params", {{"saturation", 0.8}}}};
      last = "post";
    }
    g["nodes"] = nodes;
    g["outputs"] = json::array({{{"node", last}, {"path", "null"}}});
    return g.dump();
  }
  test::TempDir dir;
};

std::vector<OpCase> cases(const Fixture& f) {
  std::string cfg = test::test_data("ocio/config.ocio");
  return {
      {"cdl",
       {{"slope", {1.2, 1, 0.8}},
        {"offset", {0.02, 0, -0.01}},
        {"power", {1.1, 1, 0.9}},
        {"saturation", 1.2}},
       {"s"},
       30},
      // A cast file's character in shot 0 (the frame rendered) held to their look in shot 1.
      {"character_lock",
       {{"character", "lead"}, {"cast", f.dir.file("cast.json")}, {"reference", "shot:1"}},
       {"m"},
       20},
      // The matte of a character of a cast file: whole frames in, any region out.
      {"character_mask",
       {{"character", "lead"}, {"cast", f.dir.file("cast.json")}, {"feather", 6}},
       {"m"},
       20},
      // Analysed once (a plate from 4 frames of real footage: a test pattern has no camera
      // motion to measure), then shown in each frame's view.
      {"clean_plate", {{"samples", 4}, {"frame", 2}}, {"m"}, 25},
      {"crop", {{"x", 10}, {"y", 6}, {"width", 200}, {"height", 120}}, {"s"}, 30},
      {"exposure", {{"stops", 0.7}}, {"s"}, 30},
      // Whole frames in (motion is measured on them), any region out.
      {"extend", {{"left", 24}, {"right", 16}, {"top", 6}, {"feather", 4}}, {"s"}, 25},
      {"fill",
       {{"samples", 2}},
       {"s", "hole"},
       25,
       {{"hole",
         {{"op", "mask"},
          {"inputs", {"s"}},
          {"params", {{"shape", "0: rect 60 40 50 30; 3: rect 120 60 50 30"}, {"dilate", 2}}}}}}},
      {"lut3d", {{"file", f.dir.file("look.cube")}}, {"s"}, 30},
      {"mask", {{"shape", "ellipse 128 72 60 30"}, {"feather", 6}}, {"s"}, 30},
      {"mix", {{"amount", 0.6}, {"mask_channel", "luma"}}, {"s", "m", "m"}, 30},
      {"ocio", {{"config", cfg}, {"src", "linear"}, {"dst", "srgb_display"}}, {"s"}, 30},
      {"reformat", {{"width", 200}, {"height", 200}, {"fit", "fit"}}, {"s"}, 25},
      {"resize", {{"width", 300}, {"filter", "lanczos3"}}, {"s"}, 25},
      {"saturation", {{"saturation", 1.6}}, {"s"}, 30},
      // Analysed once (its state is shared by every tile, region and scale), then pointwise.
      {"scene_lock", {{"reference", "frame:1"}, {"shots", "none"}, {"strength", 0.8}}, {"s"}, 30},
      {"wipe", {{"position", 0.4}, {"line", 0}}, {"s", "m"}, 30},
  };
}

Result<std::shared_ptr<const graph::Plan>> compile(const std::string& text, bool fuse = true) {
  FL_ASSIGN_OR_RETURN(graph::Graph g, graph::parse_graph(text, "case"));
  graph::CompileOptions o;
  o.probe = [](const std::string& p) { return io::probe(p); };
  o.fuse = fuse;
  return graph::compile(g, ops::builtin_registry(), o);
}

std::shared_ptr<const Image> render(const graph::Plan& plan, render::RenderRequest req = {}) {
  render::Renderer r;
  auto img = r.render(plan, plan.outputs[0].node, req);
  EXPECT_TRUE(img.ok()) << img.status().message();
  return img.ok() ? *img : std::make_shared<const Image>();
}

TEST(OpConsistency, EveryRegisteredOpHasACase) {
  Fixture f;
  std::set<std::string> covered;
  for (const auto& c : cases(f)) covered.insert(c.op);
  for (const auto* def : ops::builtin_registry().list())
    EXPECT_TRUE(covered.count(def->schema.name)) << def->schema.name << " has no consistency case";
}

class OpConsistency : public ::testing::TestWithParam<int> {
 protected:
  static void SetUpTestSuite() { fixture_ = new Fixture(); }
  static void TearDownTestSuite() { delete fixture_; }
  static Fixture* fixture_;
};
Fixture* OpConsistency::fixture_ = nullptr;

TEST_P(OpConsistency, TiledRegionPreviewFusedDeterministic) {
  const OpCase c = cases(*fixture_)[size_t(GetParam())];
  SCOPED_TRACE(c.op);
  auto plan = compile(fixture_->graph(c, false));
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const graph::Plan& p = **plan;

  render::RenderRequest req;
  req.frame = 1;
  auto whole_tile = req;
  whole_tile.tile_size = 1 << 20;
  auto odd_tiles = req;
  odd_tiles.tile_size = 37;
  auto a = render(p, whole_tile), b = render(p, req), d = render(p, odd_tiles);
  ASSERT_FALSE(a->empty());
  EXPECT_EQ(test::max_abs_diff(*a, *b), 0.0) << "tiled (256) differs from whole";
  EXPECT_EQ(test::max_abs_diff(*a, *d), 0.0) << "tiled (37) differs from whole";

  auto region_req = req;
  region_req.region = Rect{13, 7, 50, 40};
  auto region = render(p, region_req);
  EXPECT_EQ(test::max_abs_diff(*region, a->crop_clamped(*region_req.region)), 0.0)
      << "a region differs from the same pixels of the whole frame";

  auto preview_req = req;
  preview_req.scale = 0.5;
  auto preview = render(p, preview_req);
  Image reference = render::downsample_half(*a);
  ASSERT_EQ(preview->bounds(), reference.bounds());
  EXPECT_GT(test::psnr(*preview, reference), c.preview_psnr) << "preview strays from final";
  auto again = render(p, req);
  EXPECT_EQ(test::max_abs_diff(*again, *b), 0.0) << "not deterministic";

  // Fused with pointwise neighbours vs each op on its own.
  auto fused = compile(fixture_->graph(c, true), true);
  auto unfused = compile(fixture_->graph(c, true), false);
  ASSERT_TRUE(fused.ok() && unfused.ok());
  EXPECT_LE((*fused)->nodes.size(), (*unfused)->nodes.size());
  EXPECT_LT(test::max_abs_diff(*render(**fused, req), *render(**unfused, req)), 2e-5);
}

constexpr const char* kCaseNames[] = {
    "cdl",      "character_lock", "character_mask", "clean_plate", "crop", "exposure",
    "extend",   "fill",           "lut3d",          "mask",        "mix",  "ocio",
    "reformat", "resize",         "saturation",     "scene_lock",  "wipe"};
constexpr int kCaseCount = int(std::size(kCaseNames));
std::string case_name(const ::testing::TestParamInfo<int>& info) { return kCaseNames[info.param]; }
INSTANTIATE_TEST_SUITE_P(AllOps, OpConsistency, ::testing::Range(0, kCaseCount), case_name);

TEST(OpConsistency, CaseNamesMatchTheCases) {
  Fixture f;
  const auto all = cases(f);
  ASSERT_EQ(all.size(), size_t(kCaseCount));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].op, kCaseNames[i]);
}

}  // namespace
}  // namespace fl
