// Look development: the contact sheet, and .cube exports that reproduce each look.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/frame_source.h"
#include "looks/variants.h"
#include "ops/register.h"
#include "test_support.h"

namespace fl::looks {
namespace {

using json = nlohmann::json;

// Frame `frame` of `clip` through a chain of operators, at half scale, as the renderer gives it.
Image render_chain(const std::string& clip, const json& chain, int64_t frame) {
  json g = {{"sources", {{"in", clip}}}, {"nodes", json::object()}};
  std::string prev = "in";
  for (size_t j = 0; j < chain.size(); ++j) {
    json node = chain[j];
    node["inputs"] = json::array({prev});
    prev = "n" + std::to_string(j);
    g["nodes"][prev] = node;
  }
  auto parsed = graph::parse_graph(g.dump());
  EXPECT_TRUE(parsed.ok());
  graph::CompileOptions o;
  o.probe = [](const std::string& p) { return io::probe(p); };
  auto plan = graph::compile(*parsed, ops::builtin_registry(), o);
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  render::Renderer r;
  render::RenderRequest req;
  req.frame = frame;
  req.scale = 0.5;
  auto img = r.render(**plan, (*plan)->find(prev), req);
  EXPECT_TRUE(img.ok()) << img.status().message();
  return **img;
}

TEST(Variants, SheetAndCubesThatReproduceEachLook) {
  test::TempDir dir;
  const std::string clip = test::opencv_data("Megamind.avi");
  render::Renderer renderer;
  VariantOptions o;
  o.frame = 120;
  o.cube_dir = dir.file("looks");
  const auto list = default_looks();
  ASSERT_EQ(list.size(), 24u);
  auto made = make_variants(renderer, clip, list, dir.file("sheet.png"), o);
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_TRUE(std::filesystem::exists(dir.file("sheet.png")));
  ASSERT_EQ(made->cubes.size(), 24u);
  EXPECT_EQ(made->tile_width, 360);  // 720 wide: the 1/2 level is the largest <= 480
  // The sheet is a picture of the right size: 6 columns of tiles here.
  auto sheet = io::open_source(dir.file("sheet.png"));
  ASSERT_TRUE(sheet.ok());
  EXPECT_GT((*sheet)->info().width, 5 * 360);
  // Applying an exported .cube with lut3d gives the look (a 33^3 LUT's interpolation apart).
  const Image plain = render_chain(clip, json::array(), 120);
  for (size_t k : {1u, 3u, 8u, 10u, 16u, 23u}) {
    SCOPED_TRACE(list[k].name);
    Image look = render_chain(clip, list[k].chain, 120);
    Image via_cube = render_chain(
        clip, json::array({{{"op", "lut3d"}, {"params", {{"file", made->cubes[k]}}}}}), 120);
    const double psnr = test::psnr(look, via_cube);
    EXPECT_GT(psnr, 40.0);
    EXPECT_LT(test::psnr(look, plain), psnr);  // and the look does change the picture
  }
}

TEST(Variants, FolderOfLooksAndSweeps) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.file("mine"));
  std::filesystem::copy_file(test::test_data("../../examples/looks/filmic_warm.cube"),
                             dir.file("mine/a_filmic.cube"));
  auto from_dir = looks_from_dir(dir.file("mine"));
  ASSERT_TRUE(from_dir.ok()) << from_dir.status().message();
  ASSERT_EQ(from_dir->size(), 1u);
  EXPECT_EQ((*from_dir)[0].chain[0]["op"], "lut3d");
  auto sweep = sweep_looks("exposure.stops=-2:2:5");
  ASSERT_TRUE(sweep.ok());
  ASSERT_EQ(sweep->size(), 5u);
  EXPECT_DOUBLE_EQ((*sweep)[4].chain[0]["params"]["stops"].get<double>(), 2.0);
  EXPECT_FALSE(sweep_looks("exposure=1:2:3").ok());
  EXPECT_FALSE(sweep_looks("exposure.stops=1:2").ok());
  EXPECT_FALSE(sweep_looks("exposure.stops=1:2:0").ok());
  EXPECT_EQ(looks_from_dir(dir.file("nowhere")).status().code(), ErrorCode::kNotFound);
  std::filesystem::create_directories(dir.file("empty"));
  EXPECT_FALSE(looks_from_dir(dir.file("empty")).ok());
}

TEST(Variants, BadInputLeavesNothing) {
  test::TempDir dir;
  const std::string clip = test::opencv_data("Megamind.avi");
  render::Renderer renderer;
  VariantOptions o;
  o.frame = 100000;
  auto out_of_range = make_variants(renderer, clip, default_looks(), dir.file("s.png"), o);
  EXPECT_EQ(out_of_range.status().code(), ErrorCode::kInvalidArgument);
  o.frame = 0;
  // A sweep over a parameter out of its range names the look.
  auto bad = sweep_looks("exposure.stops=30:40:2");
  ASSERT_TRUE(bad.ok());
  auto s = make_variants(renderer, clip, *bad, dir.file("s.png"), o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("exposure_stops_+30"), std::string::npos)
      << s.status().message();
  auto wrong_ext = make_variants(renderer, clip, builtin_looks(), dir.file("s.gif"), o);
  EXPECT_FALSE(wrong_ext.ok());
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace fl::looks
