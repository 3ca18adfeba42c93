// The character operators through the real renderer, on Megamind: the matte of each lead lies on
// their hand-labelled face and off the other lead's, the analysis is the op's own or a cast
// file's, and a graph naming someone the cast does not hold fails at compile.
#include <gtest/gtest.h>

#include <fstream>

#include "analysis/cast_eval.h"
#include "analysis/cast_json.h"
#include "io/frame_source.h"
#include "ops/character_lock/character_lock_state.h"
#include "ops/character_source.h"
#include "ops/register.h"
#include "render/renderer.h"
#include "test_support.h"

namespace fl {
namespace {

using json = nlohmann::json;

Result<std::shared_ptr<const graph::Plan>> compile(const json& g) {
  FL_ASSIGN_OR_RETURN(graph::Graph parsed, graph::parse_graph(g.dump(), "case"));
  graph::CompileOptions o;
  o.probe = [](const std::string& p) { return io::probe(p); };
  return graph::compile(parsed, ops::builtin_registry(), o);
}

json mask_graph(const std::string& clip, const json& params) {
  return {{"sources", {{"s", clip}}},
          {"nodes", {{"m", {{"op", "character_mask"}, {"inputs", {"s"}}, {"params", params}}}}}};
}

// Mean of a matte (channel 0) over the middle half of a box, at full resolution.
double mean_in(const Image& m, const std::array<float, 4>& box) {
  const int x0 = int(box[0] + box[2] / 4), y0 = int(box[1] + box[3] / 4);
  const int x1 = int(box[0] + 3 * box[2] / 4), y1 = int(box[1] + 3 * box[3] / 4);
  double sum = 0;
  int n = 0;
  for (int y = std::max(0, y0); y < std::min(m.height(), y1); ++y)
    for (int x = std::max(0, x0); x < std::min(m.width(), x1); ++x, ++n) sum += m.at(x, y)[0];
  return n ? sum / n : 0;
}

double mean_all(const Image& m) {
  double sum = 0;
  for (int y = 0; y < m.height(); ++y)
    for (int x = 0; x < m.width(); ++x) sum += m.at(x, y)[0];
  return sum / (double(m.width()) * m.height());
}

class CharacterMask : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    clip_ = new std::string(test::opencv_data("Megamind.avi"));
    auto labels = analysis::read_face_labels(test::test_data("megamind_faces.json"));
    ASSERT_TRUE(labels.ok()) << labels.status().message();
    labels_ = new analysis::FaceLabels(std::move(*labels));
    // The op's own analysis, once, for every test here.
    auto plan = compile(mask_graph(*clip_, {{"character", "1"}}));
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    renderer_ = new render::Renderer();
    auto state = renderer_->analysis(**plan, (*plan)->find("m"));
    ASSERT_TRUE(state.ok()) << state.status().message();
    const auto* cast = dynamic_cast<const ops::CastState*>(state->get());
    ASSERT_NE(cast, nullptr);
    cast_ = new analysis::Cast(cast->cast);
  }
  static void TearDownTestSuite() {
    delete renderer_;
    delete cast_;
    delete labels_;
    delete clip_;
  }
  static std::shared_ptr<const Image> matte(const json& params, int64_t frame, double scale = 1.0) {
    auto plan = compile(mask_graph(*clip_, params));
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    if (!plan.ok()) return std::make_shared<const Image>(Rect{0, 0, 1, 1});
    render::RenderRequest req;
    req.frame = frame;
    req.scale = scale;
    auto img = renderer_->render(**plan, (*plan)->find("m"), req);
    EXPECT_TRUE(img.ok()) << img.status().message();
    return img.ok() ? *img : std::make_shared<const Image>(Rect{0, 0, 1, 1});
  }
  static std::string* clip_;
  static analysis::FaceLabels* labels_;
  static analysis::Cast* cast_;
  static render::Renderer* renderer_;
};
std::string* CharacterMask::clip_ = nullptr;
analysis::FaceLabels* CharacterMask::labels_ = nullptr;
analysis::Cast* CharacterMask::cast_ = nullptr;
render::Renderer* CharacterMask::renderer_ = nullptr;

TEST_F(CharacterMask, EachLeadsMatteLiesOnTheirFaceAndOffTheOthers) {
  const analysis::CastScore score = analysis::score_cast(*cast_, *labels_, false);
  ASSERT_EQ(score.character_of.size(), 2u);
  int checked = 0;
  double worst_on = 1, worst_off = 0;
  for (const std::string& lead : labels_->leads) {
    const std::string other = lead == labels_->leads[0] ? labels_->leads[1] : labels_->leads[0];
    const json mine = {{"character", std::to_string(score.character_of.at(lead))}};
    const json theirs = {{"character", std::to_string(score.character_of.at(other))}};
    int k = 0;
    for (const auto& [frame, box] : labels_->faces.at(lead)) {
      if (k++ % 9) continue;  // every 9th labelled frame of each lead
      const double on = mean_in(*matte(mine, frame), box);
      const double off = mean_in(*matte(theirs, frame), box);
      worst_on = std::min(worst_on, on);
      worst_off = std::max(worst_off, off);
      EXPECT_GT(on, 0.9) << lead << " frame " << frame;
      EXPECT_LT(off, 0.1) << other << "'s matte on " << lead << ", frame " << frame;
      ++checked;
    }
  }
  std::printf("%d frames: lowest matte on the lead's face %.3f, highest on the other's %.3f\n",
              checked, worst_on, worst_off);
  EXPECT_GT(checked, 20);
}

TEST_F(CharacterMask, IsEmptyWhereTheCharacterIsNotOnScreen) {
  const analysis::CastScore score = analysis::score_cast(*cast_, *labels_, false);
  // Roxanne is not in shot 1 (frames 98-153), where the man in glasses is.
  const json roxanne = {{"character", std::to_string(score.character_of.at("roxanne"))}};
  EXPECT_EQ(mean_all(*matte(roxanne, 120)), 0.0);
  json inverted = roxanne;
  inverted["invert"] = true;
  EXPECT_EQ(mean_all(*matte(inverted, 120)), 1.0);
}

TEST_F(CharacterMask, DilateGrowsFeatherSoftensInvertComplements) {
  const json base = {{"character", "1"}};
  const int64_t frame = 40;
  const auto plain = matte(base, frame);
  json grown = base, soft = base, inverted = base;
  grown["dilate"] = 12;
  soft["feather"] = 24;
  inverted["invert"] = true;
  EXPECT_GT(mean_all(*matte(grown, frame)), mean_all(*plain) * 1.05);
  const auto feathered = matte(soft, frame);
  // The steepest step between neighbours: a hard edge before, a soft one after.
  auto steepest = [](const Image& m) {
    double step = 0;
    for (int y = 0; y < m.height(); ++y)
      for (int x = 1; x < m.width(); ++x)
        step = std::max(step, double(std::abs(m.at(x, y)[0] - m.at(x - 1, y)[0])));
    return step;
  };
  EXPECT_GT(steepest(*plain), 0.3);
  EXPECT_LT(steepest(*feathered), 0.06);
  const auto inv = matte(inverted, frame);
  double worst = 0;
  for (int y = 0; y < inv->height(); ++y)
    for (int x = 0; x < inv->width(); ++x)
      worst = std::max(worst, double(std::abs(inv->at(x, y)[0] + plain->at(x, y)[0] - 1)));
  EXPECT_LT(worst, 1e-6);
}

TEST_F(CharacterMask, ACastFileGivesTheSameMatteAsTheOpsOwnAnalysis) {
  test::TempDir dir;
  const std::string path = dir.file("cast.json");
  std::ofstream(path) << analysis::cast_to_json(*cast_).dump(1);
  const auto own = matte({{"character", "2"}}, 30);
  const auto filed = matte({{"character", "2"}, {"cast", path}}, 30);
  EXPECT_LT(test::max_abs_diff(*own, *filed), 1e-6);
  // The 1/4-scale preview is the same matte, smaller.
  const auto quarter = matte({{"character", "2"}, {"cast", path}}, 30, 0.25);
  EXPECT_EQ(quarter->width(), (own->width() + 3) / 4);
}

TEST_F(CharacterMask, TheAnalysisSurvivesItsStore) {
  auto plan = compile(mask_graph(*clip_, {{"character", "1"}}));
  ASSERT_TRUE(plan.ok());
  const graph::Op& op = *(*plan)->nodes[size_t((*plan)->find("m"))].op;
  auto bytes = op.save_state(ops::CastState(*cast_));
  ASSERT_TRUE(bytes.ok());
  auto back = op.load_state(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().message();
  const auto& cast = dynamic_cast<const ops::CastState&>(**back).cast;
  EXPECT_EQ(analysis::cast_to_json(cast), analysis::cast_to_json(*cast_));
  EXPECT_FALSE(op.load_state("{\"characters\": 3}").ok());
}

TEST_F(CharacterMask, AnUnknownCharacterFailsAtCompileNamingTheNodeAndField) {
  test::TempDir dir;
  const std::string path = dir.file("cast.json");
  std::ofstream(path) << analysis::cast_to_json(*cast_).dump(1);
  auto unknown = compile(mask_graph(*clip_, {{"character", "Hal"}, {"cast", path}}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("node 'm'"), std::string::npos)
      << unknown.status().message();
  EXPECT_NE(unknown.status().message().find("'Hal' is not in the cast"), std::string::npos);
  EXPECT_EQ(unknown.status().field(), "nodes.m.params.character");
  // An id the cast does not hold.
  EXPECT_FALSE(compile(mask_graph(*clip_, {{"character", "9"}, {"cast", path}})).ok());
  // A name with neither a cast file nor a reference to give it.
  auto unnamed = compile(mask_graph(*clip_, {{"character", "Roxanne"}}));
  ASSERT_FALSE(unnamed.ok());
  EXPECT_EQ(unnamed.status().field(), "nodes.m.params.character");
  // A reference that is not there, and one that is not NAME=FILE.
  auto missing =
      compile(mask_graph(*clip_, {{"character", "Roxanne"}, {"references", "Roxanne=nope.png"}}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().field(), "nodes.m.params.references");
  EXPECT_FALSE(compile(mask_graph(*clip_, {{"character", "1"}, {"references", "Roxanne"}})).ok());
  // A cast file that is not one.
  std::ofstream(dir.file("bad.json")) << "{\"characters\": [{\"id\": 1}]}";
  auto bad = compile(mask_graph(*clip_, {{"character", "1"}, {"cast", dir.file("bad.json")}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "nodes.m.params.cast");
}

TEST_F(CharacterMask, AnIdTheAnalysisDidNotFindFailsTheRenderNamingTheField) {
  auto plan = compile(mask_graph(*clip_, {{"character", "7"}}));
  ASSERT_TRUE(plan.ok());
  render::RenderRequest req;
  req.frame = 10;
  auto img = renderer_->render(**plan, (*plan)->find("m"), req);
  ASSERT_FALSE(img.ok());
  EXPECT_NE(img.status().message().find("'7' is not in the cast"), std::string::npos)
      << img.status().message();
  EXPECT_EQ(img.status().field(), "params.character");
}

TEST_F(CharacterMask, TheLocksAnalysisSurvivesItsStoreAndRendersTheSame) {
  test::TempDir dir;
  const std::string path = dir.file("cast.json");
  std::ofstream(path) << analysis::cast_to_json(*cast_).dump(1);
  // The man in glasses (shots 1 and 3) held to his look in shot 3.
  const analysis::CastScore score = analysis::score_cast(*cast_, *labels_, false);
  const json graph = {{"sources", {{"s", *clip_}}},
                      {"nodes",
                       {{"x",
                         {{"op", "character_lock"},
                          {"inputs", {"s"}},
                          {"params",
                           {{"character", std::to_string(score.character_of.at("glasses"))},
                            {"cast", path},
                            {"reference", "shot:3"}}}}}}}};
  auto plan = compile(graph);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const int x = (*plan)->find("x");
  render::Renderer fresh;
  auto state = fresh.analysis(**plan, x);
  ASSERT_TRUE(state.ok()) << state.status().message();
  const auto& lock = dynamic_cast<const ops::CharacterLockState&>(**state);
  ASSERT_EQ(lock.shots.size(), 2u);
  EXPECT_EQ(lock.reference, "shot 3");
  EXPECT_TRUE(lock.shots[1].grade.is_identity());  // the reference shot keeps its look
  EXPECT_FALSE(lock.shots[0].grade.is_identity());
  EXPECT_LE(lock.shots[0].delta_e_after, lock.shots[0].delta_e_before);

  const graph::Op& op = *(*plan)->nodes[size_t(x)].op;
  auto bytes = op.save_state(lock);
  ASSERT_TRUE(bytes.ok());
  auto back = op.load_state(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().message();
  const auto& loaded = dynamic_cast<const ops::CharacterLockState&>(**back);
  EXPECT_EQ(ops::character_lock_report(loaded), ops::character_lock_report(lock));
  EXPECT_EQ(cv::norm(loaded.shots[0].face_after, lock.shots[0].face_after, cv::NORM_INF), 0);
  EXPECT_FALSE(op.load_state("{\"shots\": 1}").ok());
  EXPECT_FALSE(op.load_state("not json").ok());
}

}  // namespace
}  // namespace fl
