// Previews of an op with an analysis: the first look at a new reference comes from a stand-in
// fitted on the previewed frame alone, never waits for the analysis and is never cached; once the
// analysis has run, previews use it.
#include <gtest/gtest.h>

#include "io/frame_source.h"
#include "ops/register.h"
#include "render/renderer.h"
#include "test_support.h"

namespace fl {
namespace {

class LockPreview : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    // Megamind's first shot, ungraded and graded (lifted blacks, a cast, less saturation) with
    // 16-bit filters; the reference is an ungraded still of frame 2.
    const std::string in = "-i " + test::opencv_data("Megamind.avi") +
                           " -an -vf \"select=between(n\\,20\\,25),setpts=N/24/TB,scale=320:180,"
                           "format=rgb48le";
    ASSERT_EQ(test::ffmpeg(in + "\" -c:v ffv1 " + file("plain.mkv")), 0);
    ASSERT_EQ(test::ffmpeg(in +
                           ",lutrgb=r=val*0.85+6000:g=val*0.9+3000:b=val*0.75+9000,"
                           "colorchannelmixer=rr=0.8:rg=0.1:rb=0.1:gr=0.1:gg=0.8:gb=0.1:br=0.1:"
                           "bg=0.1:bb=0.8\" -c:v ffv1 " +
                           file("graded.mkv")),
              0);
    ASSERT_EQ(test::ffmpeg("-i " + file("plain.mkv") +
                           " -vf \"select=eq(n\\,2)\" -frames:v 1 -pix_fmt rgb48be " +
                           file("reference.png")),
              0);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string file(const std::string& name) { return dir_->file(name); }

  static std::shared_ptr<const graph::Plan> plan(const std::string& clip) {
    nlohmann::json g = {{"sources", {{"s", clip}}},
                        {"nodes",
                         {{"x",
                           {{"op", "scene_lock"},
                            {"inputs", {"s"}},
                            {"params", {{"reference", file("reference.png")}}}}}}}};
    auto parsed = graph::parse_graph(g.dump());
    graph::CompileOptions o;
    o.probe = [](const std::string& p) { return io::probe(p); };
    auto compiled = graph::compile(*parsed, ops::builtin_registry(), o);
    EXPECT_TRUE(compiled.ok()) << compiled.status().message();
    return *compiled;
  }

  static std::shared_ptr<const Image> render(render::Renderer& r, const graph::Plan& p, int node,
                                             int64_t frame, int quality) {
    render::RenderRequest req;
    req.frame = frame;
    req.scale = 0.5;
    req.quality = quality;
    auto img = r.render(p, node, req);
    EXPECT_TRUE(img.ok()) << img.status().message();
    return img.ok() ? *img : std::make_shared<const Image>(Rect{0, 0, 1, 1});
  }

  static test::TempDir* dir_;
};
test::TempDir* LockPreview::dir_ = nullptr;

TEST_F(LockPreview, FirstPreviewIsFittedOnTheFrameAloneAndIsNotKept) {
  auto graded = plan(file("graded.mkv"));
  auto plain = plan(file("plain.mkv"));
  const int x = graded->find("x"), s = graded->find("s");
  render::Renderer renderer;
  const auto original = render(renderer, *plain, plain->find("s"), 4, 2);
  const auto before = render(renderer, *graded, s, 4, 2);

  // Before any analysis: the stand-in, fitted between frame 4 and the still of frame 2.
  const auto stand_in = render(renderer, *graded, x, 4, 1);
  const double graded_psnr = test::psnr(*before, *original);
  const double stand_in_psnr = test::psnr(*stand_in, *original);
  std::printf("preview of a new reference: graded %.1f dB, stand-in %.1f dB\n", graded_psnr,
              stand_in_psnr);
  EXPECT_LT(graded_psnr, 32.0);
  EXPECT_GT(stand_in_psnr, 45.0) << "the one-frame fit does not recover the grade";

  // The final render runs the analysis; previews then use it, not the stand-in kept above.
  const auto final_frame = render(renderer, *graded, x, 4, 2);
  EXPECT_GT(test::psnr(*final_frame, *original), 45.0);
  const auto after = render(renderer, *graded, x, 4, 1);
  render::Renderer analysed_first;
  (void)render(analysed_first, *graded, x, 4, 2);
  const auto expected = render(analysed_first, *graded, x, 4, 1);
  EXPECT_EQ(test::max_abs_diff(*after, *expected), 0.0)
      << "a preview after the analysis still shows the stand-in";
  EXPECT_GT(test::max_abs_diff(*stand_in, *after), 0.0)
      << "the stand-in and the analysis agree to the bit: the test cannot tell them apart";
}

TEST_F(LockPreview, StrengthBlendsTheGradeOnceOnCodeValues) {
  // Strength is applied per frame; the analysis (shared by every strength) must not hold it.
  auto with = [](double strength) {
    nlohmann::json g = {
        {"sources", {{"s", file("graded.mkv")}}},
        {"nodes",
         {{"x",
           {{"op", "scene_lock"},
            {"inputs", {"s"}},
            {"params", {{"reference", file("reference.png")}, {"strength", strength}}}}}}}};
    auto parsed = graph::parse_graph(g.dump());
    graph::CompileOptions o;
    o.probe = [](const std::string& p) { return io::probe(p); };
    return *graph::compile(*parsed, ops::builtin_registry(), o);
  };
  render::Renderer renderer;
  auto half = with(0.5), full = with(1.0), none = with(0.0);
  const auto h = render(renderer, *half, half->find("x"), 3, 2);  // analysed with strength 0.5
  const auto f = render(renderer, *full, full->find("x"), 3, 2);
  const auto n = render(renderer, *none, none->find("x"), 3, 2);
  // Half strength sits between none and full: on code values, so compare the midpoint loosely
  // (the transfer curve bends it) and against both ends.
  const double to_full = test::max_abs_diff(*h, *f), to_none = test::max_abs_diff(*h, *n);
  EXPECT_GT(to_full, 0.01);
  EXPECT_GT(to_none, 0.01);
  EXPECT_LT(std::abs(to_full - to_none) / std::max(to_full, to_none), 0.5)
      << "half strength is not halfway: full " << to_full << ", none " << to_none;
}

}  // namespace
}  // namespace fl
