// The one output pipeline (core/output_pipeline.h, render/output.h): frame stages in order on
// both pixel paths, the same bytes whole or in segments, finishers after the rename and the join.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/content_id.h"
#include "io/frame_source.h"
#include "ops/register.h"
#include "render/output.h"
#include "render/renderer.h"
#include "test_support.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int kBlock = 16;  // the stamped square, top left

// Paints the top-left square with a level that depends on the frame number: on the float path a
// linear level, on the integer path a code value.
class Stamp final : public FrameStage {
 public:
  std::string_view name() const override { return "stamp"; }
  static float level(int64_t frame) { return 0.1f + 0.1f * float(frame); }
  Status apply(int64_t frame, Image& img) const override {
    for (int y = img.bounds().y; y < img.bounds().y + kBlock; ++y) {
      float* p = img.row(y);
      for (int x = 0; x < kBlock * 4; x += 4) p[x] = p[x + 1] = p[x + 2] = level(frame);
    }
    return ok_status();
  }
  Status apply(int64_t frame, Rgb48Image& img) const override {
    for (int y = 0; y < kBlock; ++y) {
      uint16_t* p = img.row(y);
      for (int x = 0; x < kBlock * 3; ++x) p[x] = uint16_t(level(frame) * 65535.f);
    }
    return ok_status();
  }
};

// Checks that it runs after the stamp (the square holds the stamp's level) and counts frames.
class Witness final : public FrameStage {
 public:
  std::string_view name() const override { return "witness"; }
  Status apply(int64_t frame, Image& img) const override {
    seen(frame, img.row(img.bounds().y)[0] == Stamp::level(frame));
    return ok_status();
  }
  Status apply(int64_t frame, Rgb48Image& img) const override {
    seen(frame, img.row(0)[0] == uint16_t(Stamp::level(frame) * 65535.f));
    return ok_status();
  }
  std::set<int64_t> frames() const {
    std::lock_guard lock(mu_);
    return frames_;
  }
  int out_of_order() const { return out_of_order_; }

 private:
  void seen(int64_t frame, bool after_stamp) const {
    std::lock_guard lock(mu_);
    frames_.insert(frame);
    if (!after_stamp) ++out_of_order_;
  }
  mutable std::mutex mu_;
  mutable std::set<int64_t> frames_;
  mutable int out_of_order_ = 0;
};

class FailAt final : public FrameStage {
 public:
  explicit FailAt(int64_t frame) : frame_(frame) {}
  std::string_view name() const override { return "fail-at"; }
  Status apply(int64_t frame, Image&) const override { return check(frame); }
  Status apply(int64_t frame, Rgb48Image&) const override { return check(frame); }

 private:
  Status check(int64_t frame) const {
    return frame == frame_ ? io_error("no more marks today") : ok_status();
  }
  int64_t frame_;
};

// Records what it was told and whether the file was complete and alone in its folder by then.
class Probe final : public Finisher {
 public:
  std::string_view name() const override { return "probe"; }
  Status finish(const OutputRecord& r) const override {
    records.push_back(r);
    std::error_code ec;
    in_place = fs::is_regular_file(r.path, ec);
    for (const auto& e : fs::directory_iterator(fs::path(r.path).parent_path(), ec))
      if (e.path().filename().string().find(".tmp-") != std::string::npos) in_place = false;
    return ok_status();
  }
  mutable std::vector<OutputRecord> records;
  mutable bool in_place = false;
};

class Refuse final : public Finisher {
 public:
  std::string_view name() const override { return "manifest"; }
  Status finish(const OutputRecord&) const override { return io_error("signing key missing"); }
};

std::string bytes_of(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class OutputPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clip_ = dir_.file("clip.mkv");
    ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=160x96:rate=24 -frames:v 6 "
                           "-pix_fmt yuv422p10le -c:v ffv1 " +
                           clip_),
              0);
    json g = {{"sources", {{"s", clip_}}},
              {"nodes",
               {{"grade", {{"op", "exposure"}, {"inputs", {"s"}}, {"params", {{"stops", 0.3}}}}}}},
              {"outputs", json::array({{{"node", "grade"}, {"path", "unused.mkv"}}})}};
    auto parsed = graph::parse_graph(g.dump());
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    graph::CompileOptions o;
    o.probe = renderer_.prober();
    auto compiled = graph::compile(*parsed, ops::builtin_registry(), o);
    ASSERT_TRUE(compiled.ok()) << compiled.status().message();
    plan_ = *compiled;
  }

  Result<render::OutputJob> job(const std::string& path,
                                std::shared_ptr<const OutputPipeline> pipeline) {
    return render::OutputJob::create(renderer_, *plan_, plan_->outputs[0], path,
                                     std::move(pipeline));
  }

  // The stamped square's mean, decoded, per frame of `path`.
  std::vector<double> stamped_levels(const std::string& path) {
    std::vector<double> out;
    auto src = io::open_source(path);
    EXPECT_TRUE(src.ok());
    if (!src.ok()) return out;
    for (int64_t n = 0; n < (*src)->info().frame_count; ++n) {
      auto f = (*src)->read_frame(n);
      EXPECT_TRUE(f.ok());
      double sum = 0;
      for (int y = 2; y < kBlock - 2; ++y)
        for (int x = 2; x < kBlock - 2; ++x) sum += f->row(y)[x * 4 + 1];
      out.push_back(sum / ((kBlock - 4) * (kBlock - 4)));
    }
    return out;
  }

  test::TempDir dir_;
  std::string clip_;
  render::Renderer renderer_;
  std::shared_ptr<const graph::Plan> plan_;
};

TEST_F(OutputPipelineTest, StagesRunInOrderOnBothPathsWithoutLeavingTheIntegerOne) {
  for (bool integer : {true, false}) {
    auto stamp = std::make_shared<Stamp>();
    auto witness = std::make_shared<Witness>();
    auto pipeline = std::make_shared<OutputPipeline>();
    pipeline->add_stage(stamp).add_stage(witness);
    const std::string out = dir_.file(integer ? "int.mkv" : "float.mkv");
    auto j = job(out, pipeline);
    ASSERT_TRUE(j.ok()) << j.status().message();
    render::OutputReport report;
    render::OutputOptions o;
    o.integer_path = integer;
    o.report = &report;
    Status s = j->render(o);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(report.integer_path, integer) << "a stage must not change the pixel path";
    EXPECT_EQ(witness->frames(), (std::set<int64_t>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(witness->out_of_order(), 0) << "the witness ran before the stamp";
    // The stamp is in the file, rising with the frame number.
    auto levels = stamped_levels(out);
    ASSERT_EQ(levels.size(), 6u);
    for (size_t k = 1; k < levels.size(); ++k) EXPECT_GT(levels[k], levels[k - 1] + 0.01) << k;
  }
}

TEST_F(OutputPipelineTest, SegmentsJoinedGiveTheSameBytesAsOnePass) {
  auto pipeline = std::make_shared<OutputPipeline>();
  pipeline->add_stage(std::make_shared<Stamp>());
  for (const char* ext : {".mov", ".mkv"}) {
    const std::string whole = dir_.file(std::string("whole") + ext);
    const std::string joined = dir_.file(std::string("joined") + ext);
    auto a = job(whole, pipeline);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(a->render({}).ok());
    auto b = job(joined, pipeline);
    ASSERT_TRUE(b.ok());
    std::vector<std::string> segments = {dir_.file(std::string("s0") + ext),
                                         dir_.file(std::string("s1") + ext)};
    ASSERT_TRUE(b->render_segment(0, 2, segments[0], {}).ok());
    ASSERT_TRUE(b->render_segment(3, 5, segments[1], {}).ok());
    Status s = b->join(segments);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_FALSE(bytes_of(whole).empty());
    EXPECT_EQ(bytes_of(whole), bytes_of(joined)) << ext;
  }
  auto c = job(dir_.file("c.mov"), pipeline);
  EXPECT_EQ(c->render_segment(4, 9, dir_.file("bad.mov"), {}).code(), ErrorCode::kInvalidArgument);
}

TEST_F(OutputPipelineTest, FinishersRunOnceTheFileIsInPlaceAndKnowItsInputs) {
  auto probe = std::make_shared<Probe>();
  auto ledger = std::make_shared<OutputLedger>();
  auto pipeline = std::make_shared<OutputPipeline>();
  pipeline->add_finisher(probe).add_finisher(ledger);
  const std::string out = dir_.file("done.mov");
  auto j = job(out, pipeline);
  ASSERT_TRUE(j.ok());
  // Segments are not outputs: the finishers wait for the join.
  ASSERT_TRUE(j->render_segment(0, 5, dir_.file("only.mov"), {}).ok());
  EXPECT_TRUE(probe->records.empty());
  ASSERT_TRUE(j->join({dir_.file("only.mov")}).ok());
  ASSERT_EQ(probe->records.size(), 1u);
  EXPECT_TRUE(probe->in_place);
  const OutputRecord& r = probe->records[0];
  EXPECT_EQ(r.path, out);
  EXPECT_EQ(r.kind, OutputKind::kRender);
  EXPECT_EQ(r.producer, "grade");
  EXPECT_EQ(r.first_frame, 0);
  EXPECT_EQ(r.last_frame, 5);
  ASSERT_EQ(r.inputs.size(), 1u);
  EXPECT_EQ(r.inputs[0].path, clip_);
  EXPECT_NE(r.inputs[0].id.key, ContentKey{});
  // The ledger's id is the file's content.
  auto entries = ledger->entries();
  ASSERT_EQ(entries.size(), 1u);
  auto id = ContentIds::shared().identify_fully(out);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(entries[0].xxh128, id->xxh128);
  EXPECT_EQ(entries[0].bytes, int64_t(fs::file_size(out)));
}

TEST_F(OutputPipelineTest, AFailedFinisherTakesTheOutputAwayAndSaysWhich) {
  auto pipeline = std::make_shared<OutputPipeline>();
  pipeline->add_finisher(std::make_shared<Refuse>());
  const std::string out = dir_.file("unsigned.mov");
  auto j = job(out, pipeline);
  ASSERT_TRUE(j.ok());
  Status s = j->render({});
  EXPECT_EQ(s.code(), ErrorCode::kIo);
  EXPECT_NE(s.message().find("manifest"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("signing key missing"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(out));
  // Side outputs too.
  Status w = pipeline->write_file({dir_.file("report.json"), OutputKind::kReport}, "{}\n");
  EXPECT_FALSE(w.ok());
  EXPECT_FALSE(fs::exists(dir_.file("report.json")));
}

TEST_F(OutputPipelineTest, AStageThatFailsStopsTheRenderNamingItselfAndTheFrame) {
  for (bool integer : {true, false}) {
    auto pipeline = std::make_shared<OutputPipeline>();
    pipeline->add_stage(std::make_shared<FailAt>(3));
    const std::string out = dir_.file(integer ? "failed_int.mov" : "failed_float.mov");
    auto j = job(out, pipeline);
    ASSERT_TRUE(j.ok());
    render::OutputOptions o;
    o.integer_path = integer;
    Status s = j->render(o);
    EXPECT_EQ(s.code(), ErrorCode::kIo);
    EXPECT_NE(s.message().find("frame 3"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("fail-at"), std::string::npos) << s.message();
    EXPECT_FALSE(fs::exists(out));
  }
}

TEST_F(OutputPipelineTest, SideOutputsGoThroughTheSameFinishers) {
  auto probe = std::make_shared<Probe>();
  auto ledger = std::make_shared<OutputLedger>();
  OutputPipeline pipeline;
  pipeline.add_finisher(probe).add_finisher(ledger);
  const std::string path = dir_.file("shots.edl");
  ASSERT_TRUE(
      pipeline.write_file({path, OutputKind::kTimeline, "lock", plan_->inputs}, "TITLE: x\n").ok());
  ASSERT_EQ(probe->records.size(), 1u);
  EXPECT_TRUE(probe->in_place);
  EXPECT_EQ(probe->records[0].kind, OutputKind::kTimeline);
  EXPECT_EQ(output_kind_name(probe->records[0].kind), "timeline");
  ASSERT_EQ(ledger->entries().size(), 1u);
  EXPECT_EQ(ledger->entries()[0].bytes, 9);
  EXPECT_EQ(bytes_of(path), "TITLE: x\n");
}

}  // namespace
}  // namespace fl
