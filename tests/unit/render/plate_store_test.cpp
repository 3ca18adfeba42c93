// Fill and clean_plate plates in the persistent analysis store: a second renderer over the same
// directory (a restarted server, a farm node) loads the plate instead of making it again from
// frames across the shot, and renders the same pixels.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "io/frame_source.h"
#include "ops/register.h"
#include "render/renderer.h"
#include "render_test_util.h"
#include "test_support.h"

namespace fl {
namespace {

namespace fs = std::filesystem;

class PlateStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    // A pan of 4 px a frame across 24 frames, and a still blemish wider than the window's
    // travel (6 frames x 4 px): its middle is seen by no neighbour, only by frames across the
    // shot, so the fill makes a plate.
    ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=480x180:rate=24 -frames:v 24 -vf "
                           "\"crop=320:180:x='n*4':y=0\" -pix_fmt yuv444p -c:v ffv1 " +
                           file("pan.mkv")),
              0);
    ASSERT_EQ(test::ffmpeg("-f lavfi -i color=black:size=320x180 -frames:v 1 -vf "
                           "\"drawbox=x=140:y=70:w=44:h=40:color=white:t=fill\" " +
                           file("blemish.png")),
              0);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string file(const std::string& name) { return dir_->file(name); }

  static std::shared_ptr<const graph::Plan> plan(const nlohmann::json& nodes) {
    return test::compile_builtin(
        {{"sources", {{"s", file("pan.mkv")}, {"m", file("blemish.png")}}}, {"nodes", nodes}});
  }

  static uintmax_t stored_bytes(const std::string& store_dir) {
    uintmax_t total = 0;
    for (auto& e : fs::recursive_directory_iterator(store_dir))
      if (e.path().extension() == ".state") total += e.file_size();
    return total;
  }

  // Analysed by one renderer, loaded by a second: the same frame, to the last bit.
  static void round_trip(const nlohmann::json& nodes, const std::string& id, uintmax_t min_bytes) {
    test::TempDir store;
    auto p = plan(nodes);
    const int node = p->find(id);
    render::AnalysisOrigin origin;
    auto first = test::renderer_on_store(store.path().string());
    ASSERT_TRUE(first->analysis(*p, node, {}, {}, &origin).ok());
    EXPECT_EQ(origin, render::AnalysisOrigin::kComputed);
    EXPECT_GE(stored_bytes(store.path().string()), min_bytes) << id << ": no plate was stored";
    render::RenderRequest req;
    req.frame = 12;
    auto a = first->render(*p, node, req);
    ASSERT_TRUE(a.ok()) << a.status().message();

    auto second = test::renderer_on_store(store.path().string());
    ASSERT_TRUE(second->analysis(*p, node, {}, {}, &origin).ok());
    EXPECT_EQ(origin, render::AnalysisOrigin::kLoaded) << id << ": analysed again";
    auto b = second->render(*p, node, req);
    ASSERT_TRUE(b.ok());
    EXPECT_TRUE(std::isinf(test::psnr(**a, **b))) << id << ": a loaded plate renders differently";
  }

  static test::TempDir* dir_;
};
test::TempDir* PlateStoreTest::dir_ = nullptr;

TEST_F(PlateStoreTest, AFillsPlateIsLoadedNotMadeAgain) {
  // The plate covers the blemish's surroundings at four pyramid levels: well over 10 KB.
  round_trip({{"f", {{"op", "fill"}, {"inputs", {{"in", "s"}, {"mask", "m"}}}}}}, "f", 10000);
}

TEST_F(PlateStoreTest, ACleanPlateIsLoadedNotMadeAgain) {
  // The whole frame's plate: 320x180 linear RGBA at level 0 alone is 920 KB.
  round_trip({{"p", {{"op", "clean_plate"}, {"inputs", {{"in", "s"}, {"mask", "m"}}}}}}, "p",
             900000);
}

}  // namespace
}  // namespace fl
