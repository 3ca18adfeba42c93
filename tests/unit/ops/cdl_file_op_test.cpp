// The cdl operator reading .cc/.ccc files as other tools write them: SATNode in any case, values
// held to the parameters' ranges, and corrections chosen by position.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "graph/registry.h"
#include "graph/schema.h"
#include "ops/register.h"

namespace fl::ops {
namespace {

class CdlFileOp : public ::testing::Test {
 protected:
  void SetUp() override {
    register_builtin_ops(registry_);
    dir_ = std::filesystem::temp_directory_path() /
           ("fl_cdl_file_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  Result<std::shared_ptr<const graph::Op>> make(const nlohmann::json& params) {
    const graph::OpDef* def = registry_.find("cdl");
    auto typed = graph::validate_params(def->schema, params);
    if (!typed.ok()) return typed.status();
    return def->make(*typed, graph::PrepareCtx{});
  }

  // Mid grey with some colour, through the op, in code values (space linear: no curve).
  std::array<float, 3> apply(const graph::Op& op) {
    float px[4] = {0.6f, 0.4f, 0.2f, 1.f};
    op.apply_pointwise(px, 1);
    return {px[0], px[1], px[2]};
  }

  graph::Registry registry_;
  std::filesystem::path dir_;
};

TEST_F(CdlFileOp, SatNodeInAnyCaseIsRead) {
  for (const char* node : {"SatNode", "SATNode", "SATNODE"}) {
    const std::string cc =
        write("g.cc", std::string("<ColorCorrection id=\"a\"><SOPNode><Slope>1 1 1</Slope>"
                                  "<Offset>0 0 0</Offset><Power>1 1 1</Power></SOPNode><") +
                          node + "><Saturation>0</Saturation></" + node + "></ColorCorrection>");
    auto op = make({{"file", cc}, {"space", "linear"}});
    ASSERT_TRUE(op.ok()) << node << ": " << op.status().to_string();
    const auto rgb = apply(**op);
    EXPECT_NEAR(rgb[0], rgb[1], 1e-6) << node << ": saturation 0 leaves grey";
    EXPECT_NEAR(rgb[1], rgb[2], 1e-6) << node;
  }
}

TEST_F(CdlFileOp, FileValuesAreHeldToTheParametersRanges) {
  const std::string cc = write("zero.cc",
                               "<ColorCorrection id=\"z\"><SOPNode><Slope>1 1 1</Slope>"
                               "<Offset>0 0 0</Offset><Power>0 1 1</Power></SOPNode>"
                               "</ColorCorrection>");
  auto op = make({{"file", cc}});
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().field(), "params.file");
  EXPECT_NE(op.status().message().find("zero.cc: correction 'z'"), std::string::npos)
      << op.status().message();
  EXPECT_NE(op.status().message().find("power"), std::string::npos) << op.status().message();
  // The same from parameters is refused as well, so the two paths agree.
  EXPECT_FALSE(make({{"power", {0, 1, 1}}}).ok());
}

TEST_F(CdlFileOp, CorrectionsAreChosenByPosition) {
  const std::string ccc = write(
      "two.ccc",
      "<ColorCorrectionCollection>"
      "<ColorCorrection><SOPNode><Slope>2 2 2</Slope><Offset>0 0 0</Offset><Power>1 1 1</Power>"
      "</SOPNode></ColorCorrection>"
      "<ColorCorrection id=\"\"><SOPNode><Slope>0.5 0.5 0.5</Slope><Offset>0 0 0</Offset>"
      "<Power>1 1 1</Power></SOPNode></ColorCorrection></ColorCorrectionCollection>");
  auto ambiguous = make({{"file", ccc}});
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(ambiguous.status().message().find("id or index"), std::string::npos);
  auto first = make({{"file", ccc}, {"index", 0}, {"space", "linear"}});
  auto second = make({{"file", ccc}, {"index", 1}, {"space", "linear"}});
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  EXPECT_NEAR(apply(**first)[0], 1.2f, 1e-6);
  EXPECT_NEAR(apply(**second)[0], 0.3f, 1e-6);
  auto past = make({{"file", ccc}, {"index", 2}});
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().field(), "params.index");
  auto both = make({{"file", ccc}, {"index", 0}, {"id", "x"}});
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().field(), "params.index");
}

}  // namespace
}  // namespace fl::ops
