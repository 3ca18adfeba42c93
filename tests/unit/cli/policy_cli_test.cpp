// `--policy` on the command line: the studio's operator rules and protected likenesses decide a
// render on this machine as they decide a server job, and `framelock consent` records the
// consent that lets it through. A refused render writes nothing.
#include <gtest/gtest.h>

#include "cli_fixture.h"
#include "test_support.h"

namespace fl::test {
namespace {

class PolicyCli : public Cli {
 protected:
  void SetUp() override {
    ASSERT_EQ(ffmpeg("-i " + opencv_data("Megamind.avi") +
                     " -vf \"select=eq(n\\,170)\" -frames:v 1 " + dir_.file("roxanne.png")),
              0);
    write("policy.json", R"({"version": 1,
      "operators": [{"ops": ["@ai"], "role": "artist"}],
      "likenesses": [{"id": "roxanne", "name": "Roxanne Ritchi", "reference": "roxanne.png"}]})");
  }
  // Fill over frames 0-10 of Megamind with a rectangle mask.
  void fill_graph(const std::string& name, const std::string& rect) {
    write(name, R"({"framelock": 1,
      "sources": {"clip": {"path": ")" +
                    opencv_data("Megamind.avi") + R"(", "frames": [0, 10]}},
      "nodes": {"m": {"op": "mask", "inputs": {"like": "clip"}, "params": {"shape": ")" +
                    rect +
                    R"("}},
                "remove": {"op": "fill", "inputs": {"in": "clip", "mask": "m"},
                           "params": {"hold": false}}},
      "outputs": [{"node": "remove", "path": "out.mkv", "codec": "ffv1"}]})");
  }
};

TEST_F(PolicyCli, AProtectedFaceInTheMaskNeedsAConsentFromTheDataDirectory) {
  fill_graph("face.json", "rect 220 200 60 60");
  auto refused = run("render face.json --policy policy.json");
  EXPECT_NE(refused.code, 0);
  EXPECT_NE(refused.err.find("Roxanne Ritchi"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("node 'remove' (fill)"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("out.mkv")));
  // The cast the analysis found, kept and given back: the same decision without analysing.
  ASSERT_EQ(run("characters " + opencv_data("Megamind.avi") + " --out cast.json").code, 0);
  auto with_cast = run("render face.json --policy policy.json --cast cast.json");
  EXPECT_NE(with_cast.code, 0);
  EXPECT_EQ(with_cast.err.find("finding the characters"), std::string::npos) << with_cast.err;
  EXPECT_NE(with_cast.err.find("Roxanne Ritchi"), std::string::npos) << with_cast.err;

  // A consent recorded in a data directory lets it through, and the render says so.
  auto bad =
      run("consent grant --data data --likeness roxanne --granted-by agent --until 2099-02-30");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("--until"), std::string::npos) << bad.err;
  auto granted = run(
      "consent grant --data data --likeness roxanne --granted-by 'her agent' --until 2099-12-31 "
      "--op fill --note 'release R-114'");
  ASSERT_EQ(granted.code, 0) << granted.err;
  const std::string id = granted.out.substr(0, granted.out.find('\n'));
  EXPECT_EQ(id.rfind("c_", 0), 0u) << granted.out;
  auto allowed = run("render face.json --policy policy.json --cast cast.json --data data");
  ASSERT_EQ(allowed.code, 0) << allowed.err;
  EXPECT_NE(allowed.err.find("under consent " + id), std::string::npos) << allowed.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("out.mkv")));
  auto listed = run("consent list --data data");
  EXPECT_NE(listed.out.find("\"granted_by\":\"her agent\""), std::string::npos) << listed.out;

  // Revoked: refused again. Another project's consent is no consent here.
  ASSERT_EQ(run("consent revoke " + id + " --data data").code, 0);
  EXPECT_NE(run("render face.json --policy policy.json --cast cast.json --data data").code, 0);
}

TEST_F(PolicyCli, TheOperatorRulesApplyToTheRoleItRunsAs) {
  fill_graph("corner.json", "rect 600 20 80 60");  // nobody there
  ASSERT_EQ(run("characters " + opencv_data("Megamind.avi") + " --out cast.json").code, 0);
  auto viewer = run("render corner.json --policy policy.json --role viewer --cast cast.json");
  EXPECT_NE(viewer.code, 0);
  EXPECT_NE(viewer.err.find("/operators/0"), std::string::npos) << viewer.err;
  EXPECT_NE(viewer.err.find("'fill'"), std::string::npos) << viewer.err;
  auto artist = run("render corner.json --policy policy.json --cast cast.json");
  EXPECT_EQ(artist.code, 0) << artist.err;
  auto no_policy = run("render corner.json --cast cast.json");
  EXPECT_NE(no_policy.code, 0);
  EXPECT_NE(no_policy.err.find("--policy"), std::string::npos);
  auto bad_policy = run("render corner.json --policy nope.json");
  EXPECT_NE(bad_policy.code, 0);
  EXPECT_NE(bad_policy.err.find("nope.json"), std::string::npos) << bad_policy.err;
}

// A rule about a grade holds inside a run of grades, which the compiled plan fuses into one node.
TEST_F(PolicyCli, ARuleReachesAnOperatorTheCompilerFused) {
  write("cdl_policy.json", R"({"operators": [{"ops": ["cdl"], "role": "admin"}]})");
  write("chain.json", R"({"framelock": 1,
    "sources": {"clip": {"path": ")" +
                          opencv_data("Megamind.avi") + R"(", "frames": [0, 2]}},
    "nodes": {"a": {"op": "exposure", "inputs": ["clip"], "params": {"stops": 0.2}},
              "look": {"op": "cdl", "inputs": ["a"], "params": {"slope": [1.1, 1, 0.9]}},
              "b": {"op": "exposure", "inputs": ["look"], "params": {"stops": -0.1}}},
    "outputs": [{"node": "b", "path": "c.mkv", "codec": "ffv1"}]})");
  auto artist = run("render chain.json --policy cdl_policy.json");
  EXPECT_NE(artist.code, 0);
  EXPECT_NE(artist.err.find("'cdl'"), std::string::npos) << artist.err;
  EXPECT_NE(artist.err.find("node 'look'"), std::string::npos) << artist.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("c.mkv")));
  EXPECT_EQ(run("render chain.json --policy cdl_policy.json --role admin").code, 0);
}

TEST_F(PolicyCli, TheContentRuleChecksWhatAGenerativeOperatorMade) {
  fill_graph("corner.json", "rect 600 20 80 60");
  ASSERT_EQ(run("characters " + opencv_data("Megamind.avi") + " --out cast.json").code, 0);
  // "drawing": what Megamind, an animated film, scores high in (content_policy_test.cpp).
  auto policy = [&](const std::string& action) {
    write("content.json",
          R"({"content": {"thresholds": {"drawing": 0.3}, "every": 5, "action": ")" + action +
              R"("}})");
  };
  policy("flag");
  auto flagged = run("render corner.json --policy content.json");
  ASSERT_EQ(flagged.code, 0) << flagged.err;
  EXPECT_NE(flagged.err.find("content policy flags"), std::string::npos) << flagged.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("out.mkv")));
  std::filesystem::remove(dir_.file("out.mkv"));
  for (const char* action : {"hold", "block"}) {
    policy(action);
    auto refused = run("render corner.json --policy content.json");
    EXPECT_NE(refused.code, 0) << action;
    EXPECT_NE(refused.err.find("content policy"), std::string::npos) << refused.err;
    EXPECT_FALSE(std::filesystem::exists(dir_.file("out.mkv"))) << action;
  }
  // A grade is no generative operator: not checked.
  write("grade.json", R"({"framelock": 1,
    "sources": {"clip": {"path": ")" +
                          opencv_data("Megamind.avi") + R"(", "frames": [0, 10]}},
    "nodes": {"g": {"op": "exposure", "inputs": ["clip"], "params": {"stops": 0.2}}},
    "outputs": [{"node": "g", "path": "g.mkv", "codec": "ffv1"}]})");
  auto graded = run("render grade.json --policy content.json");
  EXPECT_EQ(graded.code, 0) << graded.err;
}

}  // namespace
}  // namespace fl::test
