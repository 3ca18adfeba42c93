// The persistent analysis store: a second renderer over the same directory (a restarted server,
// a farm node) loads the scene lock instead of computing it, renders the same pixels, and a
// damaged, truncated or foreign entry is computed again with a warning, never a crash.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "io/frame_source.h"
#include "ops/register.h"
#include "ops/scene_lock/scene_lock_export.h"
#include "render/renderer.h"
#include "render_test_util.h"
#include "test_support.h"

namespace fl {
namespace {

namespace fs = std::filesystem;

class AnalysisStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const std::string in = "-i " + test::opencv_data("Megamind.avi") +
                           " -an -vf \"select=between(n\\,20\\,27),setpts=N/24/TB,scale=320:180,"
                           "format=rgb48le";
    ASSERT_EQ(test::ffmpeg(in + ",lutrgb=r=val*0.85+6000:g=val*0.9+3000\" -c:v ffv1 " +
                           file("graded.mkv")),
              0);
    ASSERT_EQ(test::ffmpeg(in + ",select=eq(n\\,2)\" -frames:v 1 -pix_fmt rgb48be " +
                           file("reference.png")),
              0);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string file(const std::string& name) { return dir_->file(name); }

  static std::shared_ptr<const graph::Plan> plan() {
    nlohmann::json g = {
        {"sources", {{"s", file("graded.mkv")}}},
        {"nodes",
         {{"x",
           {{"op", "scene_lock"},
            {"inputs", {"s"}},
            {"params", {{"reference", file("reference.png")}, {"shots", "none"}}}}}}}};
    return test::compile_builtin(g);
  }

  // A fresh renderer on a fresh store over `store_dir`: what a restarted process has.
  static std::unique_ptr<render::Renderer> renderer(const std::string& store_dir) {
    return test::renderer_on_store(store_dir);
  }

  static std::vector<fs::path> entries(const std::string& store_dir) {
    std::vector<fs::path> out;
    for (auto& e : fs::recursive_directory_iterator(store_dir))
      if (e.path().extension() == ".state") out.push_back(e.path());
    return out;
  }

  static test::TempDir* dir_;
};
test::TempDir* AnalysisStoreTest::dir_ = nullptr;

TEST_F(AnalysisStoreTest, ASecondProcessLoadsTheLockAndRendersTheSamePixels) {
  test::TempDir store;
  auto p = plan();
  const int node = p->find("x");
  render::AnalysisOrigin origin;
  auto first = renderer(store.path().string());
  ASSERT_TRUE(first->analysis(*p, node, {}, {}, &origin).ok());
  EXPECT_EQ(origin, render::AnalysisOrigin::kComputed);
  ASSERT_TRUE(first->analysis(*p, node, {}, {}, &origin).ok());
  EXPECT_EQ(origin, render::AnalysisOrigin::kMemory);
  ASSERT_EQ(entries(store.path().string()).size(), 1u);
  render::RenderRequest req;
  req.frame = 4;
  auto a = first->render(*p, node, req);
  ASSERT_TRUE(a.ok());

  auto second = renderer(store.path().string());
  auto progress_calls = 0;
  auto state = second->analysis(
      *p, node, {}, [&](int64_t, int64_t) { ++progress_calls; }, &origin);
  ASSERT_TRUE(state.ok()) << state.status().to_string();
  EXPECT_EQ(origin, render::AnalysisOrigin::kLoaded) << "the second process analysed again";
  EXPECT_EQ(progress_calls, 0);
  auto b = second->render(*p, node, req);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(std::isinf(test::psnr(**a, **b))) << "a loaded lock must render the same bytes";
  // The state round-trips exactly.
  const auto& sa = static_cast<const ops::SceneLockState&>(**first->analysis(*p, node));
  const auto& sb = static_cast<const ops::SceneLockState&>(**state);
  ASSERT_EQ(sa.shots.size(), sb.shots.size());
  EXPECT_EQ(sa.shots[0].fit.lut.rgb, sb.shots[0].fit.lut.rgb);
  EXPECT_EQ(sa.shots[0].fit.cdl, sb.shots[0].fit.cdl);
  EXPECT_EQ(ops::save_scene_lock_state(sa), ops::save_scene_lock_state(sb));
}

TEST_F(AnalysisStoreTest, DamagedOrForeignEntriesAreComputedAgain) {
  test::TempDir store;
  auto p = plan();
  const int node = p->find("x");
  ASSERT_TRUE(renderer(store.path().string())->analysis(*p, node).ok());
  const fs::path entry = entries(store.path().string()).at(0);
  std::string good;
  {
    std::ifstream in(entry, std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto damaged = [&](const std::string& bytes) {
    std::ofstream(entry, std::ios::binary | std::ios::trunc) << bytes;
    render::AnalysisOrigin origin = render::AnalysisOrigin::kLoaded;
    auto state = renderer(store.path().string())->analysis(*p, node, {}, {}, &origin);
    EXPECT_TRUE(state.ok()) << state.status().to_string();
    return origin;
  };
  std::string flipped = good;
  flipped[flipped.size() - 100] ^= 0x5a;
  EXPECT_EQ(damaged(flipped), render::AnalysisOrigin::kComputed) << "a flipped byte";
  EXPECT_EQ(damaged(good.substr(0, good.size() / 2)), render::AnalysisOrigin::kComputed);
  EXPECT_EQ(damaged(""), render::AnalysisOrigin::kComputed);
  EXPECT_EQ(damaged("not a state at all"), render::AnalysisOrigin::kComputed);
  // Another version of the container or of scene_lock's own state.
  std::string other_container = good;
  other_container[8] = char(other_container[8] + 1);
  EXPECT_EQ(damaged(other_container), render::AnalysisOrigin::kComputed);
  std::string other_state = good;
  const std::string op = "scene_lock";
  const size_t at = other_state.find(op) + op.size();  // the u32 state version follows the name
  other_state[at] = char(ops::kSceneLockStateVersion + 1);
  EXPECT_EQ(damaged(other_state), render::AnalysisOrigin::kComputed);
  // Each recomputation wrote a good entry back.
  EXPECT_EQ(damaged(good), render::AnalysisOrigin::kLoaded);
}

TEST_F(AnalysisStoreTest, PayloadsThatLieAboutTheirLengthsAreRefused) {
  auto p = plan();
  const int node = p->find("x");
  auto r = renderer("");
  auto state = r->analysis(*p, node);
  ASSERT_TRUE(state.ok());
  std::string bytes = ops::save_scene_lock_state(static_cast<const ops::SceneLockState&>(**state));
  ASSERT_TRUE(ops::load_scene_lock_state(bytes).ok());
  // Every truncation and a huge count at each position: refused, never a crash or a huge
  // allocation.
  // (Every byte of the header, then ~300 cuts through the tables: each cut reparses the whole
  // prefix, so cutting everywhere is quadratic, minutes under ASan for no more coverage.)
  const size_t step = std::max<size_t>(7, bytes.size() / 300);
  for (size_t n = 0; n < bytes.size(); n += n < 64 ? 1 : step)
    EXPECT_FALSE(ops::load_scene_lock_state(std::string_view(bytes).substr(0, n)).ok()) << n;
  EXPECT_FALSE(
      ops::load_scene_lock_state(std::string_view(bytes).substr(0, bytes.size() - 1)).ok());
  for (size_t at = 0; at + 8 <= bytes.size() && at < 512; at += 8) {
    std::string lie = bytes;
    const int64_t huge = int64_t(1) << 60;
    std::memcpy(lie.data() + at, &huge, sizeof huge);
    (void)ops::load_scene_lock_state(lie);
  }
}

TEST_F(AnalysisStoreTest, MemoryIsBoundedAndEvictedStatesAreLoadedBack) {
  test::TempDir store;
  render::AnalysisStoreOptions ao;
  ao.dir = store.path().string();
  ao.memory_bytes = 1;  // every new state pushes the older ones out
  auto shared = std::make_shared<render::AnalysisStore>(ao);
  render::RendererOptions ro;
  ro.analyses = shared;
  render::Renderer r(ro);
  auto p = plan();
  const int node = p->find("x");
  ASSERT_TRUE(r.analysis(*p, node).ok());
  EXPECT_EQ(shared->states_in_memory(), 1u);
  // Another analysis (another strength does not count; another match mode does).
  nlohmann::json g = {
      {"sources", {{"s", file("graded.mkv")}}},
      {"nodes",
       {{"x",
         {{"op", "scene_lock"},
          {"inputs", {"s"}},
          {"params",
           {{"reference", file("reference.png")}, {"shots", "none"}, {"match", "statistics"}}}}}}}};
  graph::CompileOptions o;
  o.probe = [](const std::string& path) { return io::probe(path); };
  auto other = graph::compile(*graph::parse_graph(g.dump()), ops::builtin_registry(), o);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(r.analysis(**other, (*other)->find("x")).ok());
  EXPECT_EQ(shared->states_in_memory(), 1u) << "the budget holds one state";
  render::AnalysisOrigin origin;
  ASSERT_TRUE(r.analysis(*p, node, {}, {}, &origin).ok());
  EXPECT_EQ(origin, render::AnalysisOrigin::kLoaded) << "evicted from memory, kept on disk";
}

}  // namespace
}  // namespace fl
