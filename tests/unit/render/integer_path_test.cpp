// The integer path (render/integer_path.cpp): which plans take it, and that they give the same
// pictures as the float path.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "colour/rgb48_map.h"
#include "io/frame_source.h"
#include "ops/register.h"
#include "render/output.h"
#include "render/renderer.h"
#include "test_support.h"

namespace fl {
namespace {

using json = nlohmann::json;

// One 10-bit code value in 16-bit code values (65535 / 1023 = 64.06, so 64 or 65), rounded up.
constexpr double kTenBitStep = 66;

// A warm 17^3 .cube (enough structure that a wrong lattice index shows).
std::string write_cube(const std::string& path) {
  std::ofstream f(path);
  f << "LUT_3D_SIZE 17\n";
  for (int b = 0; b < 17; ++b)
    for (int g = 0; g < 17; ++g)
      for (int r = 0; r < 17; ++r) {
        double R = r / 16.0, G = g / 16.0, B = b / 16.0;
        f << std::min(1.0, 0.05 + 0.95 * std::pow(R, 0.9)) << ' ' << 0.9 * G + 0.05 * R << ' '
          << 0.8 * B * B + 0.1 * G << '\n';
      }
  return path;
}

class IntegerPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clip_ = dir_.file("clip.mkv");
    // 10-bit 4:2:2 like a ProRes master, lossless so that only our paths differ.
    ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=320x180:rate=24 -frames:v 6 "
                           "-pix_fmt yuv422p10le -c:v ffv1 " +
                           clip_),
              0);
    cube_ = write_cube(dir_.file("look.cube"));
  }

  std::shared_ptr<const graph::Plan> plan(const json& nodes, const std::string& out,
                                          const std::string& last) {
    json g = {{"sources", {{"s", clip_}}},
              {"nodes", nodes},
              {"outputs", json::array({{{"node", last}, {"path", out}}})}};
    auto parsed = graph::parse_graph(g.dump());
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    graph::CompileOptions o;
    o.probe = [](const std::string& p) { return io::probe(p); };
    auto compiled = graph::compile(*parsed, ops::builtin_registry(), o);
    EXPECT_TRUE(compiled.ok()) << compiled.status().message();
    return *compiled;
  }

  // Renders and says whether the integer path was taken.
  bool render(const graph::Plan& p, const std::string& out, bool allow_integer = true,
              double scale = 1.0) {
    render::Renderer r;
    render::OutputReport report;
    render::OutputOptions o;
    o.integer_path = allow_integer;
    o.report = &report;
    o.scale = scale;
    Status s = render::render_to_file(r, p, p.outputs[0], o, out);
    EXPECT_TRUE(s.ok()) << s.message();
    return report.integer_path;
  }

  // Largest difference between two clips' frames, in 16-bit code values of the encoded output.
  double max_code_diff(const std::string& a, const std::string& b) {
    auto sa = io::open_source(a), sb = io::open_source(b);
    EXPECT_TRUE(sa.ok() && sb.ok());
    double worst = 0;
    for (int64_t n = 0; n < (*sa)->info().frame_count; ++n) {
      auto fa = (*sa)->read_frame_rgb48(n), fb = (*sb)->read_frame_rgb48(n);
      EXPECT_TRUE(fa.ok() && fb.ok());
      for (size_t i = 0; i < fa->pixel_count() * 3; ++i)
        worst = std::max(worst, std::abs(double(fa->data()[i]) - double(fb->data()[i])));
    }
    std::printf("max |%s - %s| = %.0f (16-bit code values)\n",
                std::filesystem::path(a).filename().c_str(),
                std::filesystem::path(b).filename().c_str(), worst);
    return worst;
  }

  test::TempDir dir_;
  std::string clip_, cube_;
};

TEST_F(IntegerPathTest, LutMatchesTheFloatPath) {
  json nodes = {{"grade", {{"op", "lut3d"}, {"inputs", {"s"}}, {"params", {{"file", cube_}}}}}};
  auto p = plan(nodes, "unused.mkv", "grade");
  const std::string fast = dir_.file("int.mkv"), slow = dir_.file("float.mkv");
  EXPECT_TRUE(render(*p, fast));
  EXPECT_FALSE(render(*p, slow, /*allow_integer=*/false));
  // Output is 10-bit: the paths may round a value sitting on a 10-bit boundary differently,
  // never by more than one step.
  EXPECT_LE(max_code_diff(fast, slow), kTenBitStep);
  EXPECT_NE(max_code_diff(fast, clip_), 0.0);  // and the grade did happen
}

TEST_F(IntegerPathTest, PerChannelOpsAndTranscodesTakeIt) {
  EXPECT_TRUE(render(*plan(json::object(), "x", "s"), dir_.file("copy.mkv")));
  // Lossless in, lossless out, nothing in between: a transcode through 16-bit RGB comes back
  // to within one 10-bit step of the source (4:2:2 chroma is resampled on the way).
  EXPECT_LE(max_code_diff(dir_.file("copy.mkv"), clip_), kTenBitStep);

  json exposure = {{"e", {{"op", "exposure"}, {"inputs", {"s"}}, {"params", {{"stops", 0.5}}}}}};
  const std::string e_int = dir_.file("e_int.mkv"), e_float = dir_.file("e_float.mkv");
  EXPECT_TRUE(render(*plan(exposure, "x", "e"), e_int));
  EXPECT_FALSE(render(*plan(exposure, "x", "e"), e_float, false));
  EXPECT_LE(max_code_diff(e_int, e_float), kTenBitStep);

  json cdl = {{"c",
               {{"op", "cdl"},
                {"inputs", {"s"}},
                {"params", {{"slope", {1.1, 1.0, 0.9}}, {"power", {0.9, 1.0, 1.1}}}}}}};
  const std::string c_int = dir_.file("c_int.mkv"), c_float = dir_.file("c_float.mkv");
  EXPECT_TRUE(render(*plan(cdl, "x", "c"), c_int));
  EXPECT_FALSE(render(*plan(cdl, "x", "c"), c_float, false));
  EXPECT_LE(max_code_diff(c_int, c_float), kTenBitStep);

  // exposure then lut3d fuse into one node: curves, then the LUT.
  json chain = {{"e", {{"op", "exposure"}, {"inputs", {"s"}}, {"params", {{"stops", -0.3}}}}},
                {"g", {{"op", "lut3d"}, {"inputs", {"e"}}, {"params", {{"file", cube_}}}}}};
  const std::string f_int = dir_.file("f_int.mkv"), f_float = dir_.file("f_float.mkv");
  EXPECT_TRUE(render(*plan(chain, "x", "g"), f_int));
  EXPECT_FALSE(render(*plan(chain, "x", "g"), f_float, false));
  EXPECT_LE(max_code_diff(f_int, f_float), kTenBitStep);
}

TEST_F(IntegerPathTest, OtherPlansKeepTheFloatPath) {
  // Saturation mixes channels: not a per-channel curve.
  json sat = {{"s2", {{"op", "saturation"}, {"inputs", {"s"}}, {"params", {{"saturation", 0.5}}}}}};
  EXPECT_FALSE(render(*plan(sat, "x", "s2"), dir_.file("sat.mkv")));
  // A LUT authored for another encoding than the footage's.
  json srgb = {
      {"g",
       {{"op", "lut3d"}, {"inputs", {"s"}}, {"params", {{"file", cube_}, {"space", "srgb"}}}}}};
  EXPECT_FALSE(render(*plan(srgb, "x", "g"), dir_.file("srgb.mkv")));
  // A LUT after a LUT: a second table stage the map cannot hold exactly.
  json two = {{"a", {{"op", "lut3d"}, {"inputs", {"s"}}, {"params", {{"file", cube_}}}}},
              {"b", {{"op", "lut3d"}, {"inputs", {"a"}}, {"params", {{"file", cube_}}}}}};
  EXPECT_FALSE(render(*plan(two, "x", "b"), dir_.file("two.mkv")));
  // Resized outputs, and linear EXR outputs.
  json lut = {{"g", {{"op", "lut3d"}, {"inputs", {"s"}}, {"params", {{"file", cube_}}}}}};
  EXPECT_FALSE(render(*plan(lut, "x", "g"), dir_.file("half.mkv"), true, 0.5));
  EXPECT_FALSE(render(*plan(lut, "x", "g"), dir_.file("seq.%04d.exr")));
}

TEST_F(IntegerPathTest, CancelledRenderLeavesNothing) {
  json nodes = {{"grade", {{"op", "lut3d"}, {"inputs", {"s"}}, {"params", {{"file", cube_}}}}}};
  auto p = plan(nodes, "x", "grade");
  render::Renderer r;
  render::OutputReport report;
  render::OutputOptions o;
  o.report = &report;
  o.cancel = r.register_render("job");
  o.progress = [&](const render::Progress& pr) {
    if (pr.frames_done == 2) r.cancel("job");
  };
  const std::string out = dir_.file("cancelled.mkv");
  Status s = render::render_to_file(r, *p, p->outputs[0], o, out);
  EXPECT_TRUE(report.integer_path);
  EXPECT_EQ(s.code(), ErrorCode::kCancelled) << s.message();
  for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
    EXPECT_TRUE(e.path().filename() == "clip.mkv" || e.path().filename() == "look.cube")
        << "left behind: " << e.path();
}

TEST(Rgb48Map, CurvesComposeAndLinearGainMatchesTheFloatPath) {
  const auto& curve = colour::TransferCurve::get(colour::Transfer::kBt709);
  const float gain[3] = {2.0f, 1.0f, 0.5f}, zero[3] = {0, 0, 0};
  colour::Rgb48Map map(colour::linear_gain_curves(colour::Transfer::kBt709, gain, zero), {});
  for (int v : {0, 1, 1000, 20000, 40000, 65535}) {
    uint16_t px[3] = {uint16_t(v), uint16_t(v), uint16_t(v)};
    map.apply(px, px, 1);
    for (int c = 0; c < 3; ++c) {
      float lin = curve.u16_to_linear(uint16_t(v)) * gain[c];
      float enc = std::clamp(curve.to_encoded(lin), 0.0f, 1.0f);
      EXPECT_EQ(px[c], uint16_t(enc * 65535.0f + 0.5f)) << "v=" << v << " c=" << c;
    }
  }
  // Gain 2 then gain 0.5 is the identity, up to the 16-bit rounding in between.
  const float half[3] = {0.5f, 0.5f, 0.5f}, twice[3] = {2, 2, 2};
  colour::Rgb48Map down(colour::linear_gain_curves(colour::Transfer::kBt709, half, zero), {});
  colour::Rgb48Map up(colour::linear_gain_curves(colour::Transfer::kBt709, twice, zero), {});
  auto both = down.then(up);
  ASSERT_TRUE(both.has_value());
  for (int v = 0; v < 65536; v += 97) {
    uint16_t px[3] = {uint16_t(v), uint16_t(v), uint16_t(v)};
    both->apply(px, px, 1);
    EXPECT_NEAR(px[0], v, 3) << v;
  }
  // A stage after a 3D LUT is refused rather than approximated.
  colour::Lut3D lut = colour::identity_lut3d(5);
  auto prepared = colour::prepare_lut3d(lut);
  ASSERT_TRUE(prepared.ok());
  colour::Rgb48Map with_lut({}, *prepared);
  EXPECT_FALSE(with_lut.then(up).has_value());
  EXPECT_TRUE(up.then(with_lut).has_value());
}

TEST(Pyramid, HalfLevelFromSixteenBitMatchesTheFloatPyramid) {
  const auto& curve = colour::TransferCurve::get(colour::Transfer::kBt709);
  for (auto [w, h] : {std::pair{64, 48}, std::pair{37, 21}}) {
    Rgb48Image rgb(w, h);
    Image full(w, h);
    uint32_t seed = 1;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) {
          seed = seed * 1664525u + 1013904223u;
          const uint16_t v = uint16_t(seed >> 16);
          rgb.row(y)[3 * x + c] = v;
          full.row(y)[4 * x + c] = curve.u16_to_linear(v);
          full.row(y)[4 * x + 3] = 1.0f;
        }
    Image a = render::half_from_rgb48(rgb, curve.u16_to_linear_table());
    Image b = render::downsample_half(full);
    ASSERT_EQ(a.bounds(), b.bounds());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.bytes()), 0) << w << "x" << h;
  }
}

}  // namespace
}  // namespace fl
