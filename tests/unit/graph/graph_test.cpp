// Parse -> validate -> compile -> fuse, against a small registry of test operators.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdexcept>

#include "graph/plan.h"

namespace fl::graph {
namespace {

using ::testing::HasSubstr;

class GainOp final : public Op {
 public:
  explicit GainOp(float g) : g_(g) {}
  void apply_pointwise(float* p, size_t n) const override {
    for (size_t i = 0; i < 4 * n; ++i)
      if (i % 4 != 3) p[i] *= g_;
  }
  std::optional<Affine> affine() const override {
    Affine a;
    a.m[0] = a.m[5] = a.m[10] = g_;
    return a;
  }
  bool is_identity() const override { return g_ == 1.0f; }

 private:
  float g_;
};

class SquareOp final : public Op {
 public:
  void apply_pointwise(float* p, size_t n) const override {
    for (size_t i = 0; i < 4 * n; ++i)
      if (i % 4 != 3) p[i] *= p[i];
  }
};

class BlendOp final : public Op {};

Registry test_registry() {
  Registry r;
  const OpSchema gain_schema =
      OpBuilder("gain", 1).input("in").param_float("gain", 1.0, 0, 10, "").pointwise().build();
  r.add(gain_schema,
        [gain = gain_schema.param<double>("gain")](const Params& p, const PrepareCtx&) {
          return make_op<GainOp>(float(p[gain]));
        });
  r.add(OpBuilder("square", 1).input("in").pointwise().build(),
        [](const Params&, const PrepareCtx&) { return make_op<SquareOp>(); });
  r.add(OpBuilder("blend", 1)
            .input("a")
            .input("b")
            .input("mask", "", true)
            .param_enum("mode", "over", {"over", "add"}, "")
            .param_vec3("tint", Vec3{1, 1, 1}, 0, 2, "")
            .param_int("count", std::nullopt, 1, 5, "")
            .window(1, 1)
            .build(),
        [](const Params&, const PrepareCtx&) { return make_op<BlendOp>(); });
  return r;
}

CompileOptions fake_probe() {
  CompileOptions o;
  o.probe = [](const std::string& path) -> Result<MediaInfo> {
    if (path == "missing.mov") return not_found(path + ": no such file");
    MediaInfo m;
    m.path = path;
    m.width = 64, m.height = 32, m.frame_count = 10;
    return m;
  };
  return o;
}

Result<std::shared_ptr<const Plan>> compile_text(const std::string& text, bool fuse = true) {
  FL_ASSIGN_OR_RETURN(Graph g, parse_graph(text, "test.json"));
  static const Registry registry = test_registry();
  CompileOptions o = fake_probe();
  o.fuse = fuse;
  return compile(g, registry, o);
}

TEST(GraphParse, InvalidJsonNamesLineAndColumn) {
  auto r = parse_graph("{\n  \"nodes\": {,\n}", "edit.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("edit.json: invalid JSON at line 2"));
}

TEST(GraphParse, NumbersTooLargeForADoubleAreAnError) {
  // Both found by the graph fuzzer: nlohmann throws out_of_range, not parse_error, for these.
  for (const char* text : {R"({"nodes":{"a":22222222e2222}})", "1444444444444444444e400"}) {
    auto r = parse_graph(text, "big.json");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_THAT(r.status().message(), HasSubstr("big.json: invalid JSON"));
  }
}

TEST(GraphParse, RejectsUnknownFieldsAndShapes) {
  EXPECT_THAT(parse_graph(R"({"nodez": {}})").status().message(),
              HasSubstr("unknown top-level field 'nodez'"));
  EXPECT_EQ(parse_graph(R"({"nodes": {"a": {"op": "gain", "parms": {}}}})").status().field(),
            "nodes.a.parms");
  EXPECT_EQ(parse_graph(R"({"nodes": {"a": {"params": {}}}})").status().field(), "nodes.a.op");
  EXPECT_EQ(parse_graph(R"({"sources": {"s": {"path": "x", "frames": [5, 2]}}})").status().field(),
            "sources.s.frames");
  EXPECT_FALSE(parse_graph("[1,2]").ok());
}

TEST(GraphParse, RoundTripsThroughJson) {
  auto g = parse_graph(R"({"sources": {"s": {"path": "/a.mov", "frames": [1, 4]}},
    "nodes": {"g": {"op": "gain", "inputs": ["s"], "params": {"gain": 2}}},
    "outputs": [{"node": "g", "path": "/o.mkv", "codec": "ffv1"}]})");
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto again = parse_graph(graph_to_json(*g).dump());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(graph_to_json(*g), graph_to_json(*again));
}

struct ErrorCase {
  const char* name;
  const char* graph;
  const char* field;
  const char* message;
};

class CompileErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(CompileErrors, NameTheNodeAndField) {
  const ErrorCase& c = GetParam();
  auto plan = compile_text(c.graph);
  ASSERT_FALSE(plan.ok()) << c.name;
  EXPECT_EQ(plan.status().field(), c.field) << plan.status().message();
  EXPECT_THAT(plan.status().message(), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    All, CompileErrors,
    ::testing::Values(
        ErrorCase{"unknown op",
                  R"({"sources":{"s":"a.mov"},"nodes":{"n":{"op":"blur","inputs":["s"]}}})",
                  "nodes.n.op", "node 'n': unknown operator 'blur' (known: blend, gain, square)"},
        ErrorCase{
            "unknown param",
            R"({"sources":{"s":"a.mov"},"nodes":{"n":{"op":"gain","inputs":["s"],"params":{"gian":2}}}})",
            "nodes.n.params.gian", "unknown parameter 'gian' for operator 'gain' (known: gain)"},
        ErrorCase{
            "out of range",
            R"({"sources":{"s":"a.mov"},"nodes":{"n":{"op":"gain","inputs":["s"],"params":{"gain":11}}}})",
            "nodes.n.params.gain", "params.gain = 11 is out of range [0, 10]"},
        ErrorCase{
            "wrong type",
            R"({"sources":{"s":"a.mov"},"nodes":{"n":{"op":"gain","inputs":["s"],"params":{"gain":"two"}}}})",
            "nodes.n.params.gain", "must be a number"},
        ErrorCase{
            "bad enum",
            R"({"sources":{"s":"a.mov"},"nodes":{"n":{"op":"blend","inputs":["s","s"],"params":{"mode":"mul","count":1}}}})",
            "nodes.n.params.mode", "'mul' is not one of: over, add"},
        ErrorCase{
            "bad vec3",
            R"({"sources":{"s":"a.mov"},"nodes":{"n":{"op":"blend","inputs":["s","s"],"params":{"tint":[1,2],"count":1}}}})",
            "nodes.n.params.tint", "three numbers"},
        ErrorCase{"missing param",
                  R"({"sources":{"s":"a.mov"},"nodes":{"n":{"op":"blend","inputs":["s","s"]}}})",
                  "nodes.n.params.count", "missing required parameter 'count'"},
        ErrorCase{
            "missing input",
            R"({"sources":{"s":"a.mov"},"nodes":{"n":{"op":"blend","inputs":{"a":"s"},"params":{"count":1}}}})",
            "nodes.n.inputs.b", "missing input 'b'"},
        ErrorCase{"unknown input",
                  R"({"sources":{"s":"a.mov"},"nodes":{"n":{"op":"gain","inputs":{"src":"s"}}}})",
                  "nodes.n.inputs.src", "has no input 'src'"},
        ErrorCase{"dangling",
                  R"({"sources":{"s":"a.mov"},"nodes":{"n":{"op":"gain","inputs":["t"]}}})",
                  "nodes.n.inputs.0", "refers to 't', which is neither a source nor a node"},
        ErrorCase{
            "cycle",
            R"({"nodes":{"a":{"op":"gain","inputs":["b"]},"b":{"op":"gain","inputs":["a"]}}})",
            "nodes.a.inputs", "cycle in graph: a -> b -> a"},
        ErrorCase{"missing media", R"({"sources":{"s":"missing.mov"}})", "sources.s.path",
                  "source 's': missing.mov: no such file"},
        ErrorCase{"bad transfer", R"({"sources":{"s":{"path":"a.mov","transfer":"log9"}}})",
                  "sources.s.transfer", "source 's': unknown transfer function 'log9'"},
        ErrorCase{"range past end", R"({"sources":{"s":{"path":"a.mov","frames":[0,10]}}})",
                  "sources.s.frames", "run past the end (10 frames)"},
        ErrorCase{"bad output",
                  R"({"sources":{"s":"a.mov"},"outputs":[{"node":"x","path":"o.mov"}]})",
                  "outputs[0].node", "refers to 'x'"}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (char& ch : n)
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

TEST(Compile, FusesPointwiseRunsAndDropsNoOps) {
  const char* text = R"({"sources":{"s":"a.mov"},"nodes":{
      "a":{"op":"gain","inputs":["s"],"params":{"gain":2}},
      "b":{"op":"gain","inputs":["a"],"params":{"gain":1}},
      "c":{"op":"square","inputs":["b"]},
      "d":{"op":"gain","inputs":["c"],"params":{"gain":0.5}}},
    "outputs":[{"node":"d","path":"o.mov"}]})";
  auto fused = compile_text(text);
  ASSERT_TRUE(fused.ok()) << fused.status().message();
  ASSERT_EQ((*fused)->nodes.size(), 2u);  // the source and one fused node
  const PlanNode& n = (*fused)->nodes[1];
  EXPECT_EQ(n.id, "d");
  EXPECT_EQ(n.fused_ids, (std::vector<std::string>{"a", "c", "d"}));
  EXPECT_EQ((*fused)->outputs[0].node, 1);
  EXPECT_EQ((*fused)->find("a"), 1);

  auto unfused = compile_text(text, false);
  ASSERT_TRUE(unfused.ok());
  EXPECT_EQ((*unfused)->nodes.size(), 5u);
  // Same pixels either way: ((2x)^2)/2 = 2x^2.
  float px[8] = {0.5f, 0.25f, 1.0f, 1.0f, 0.1f, 0.2f, 0.3f, 0.7f};
  float chain[8];
  std::copy(px, px + 8, chain);
  for (size_t i = 1; i < 5; ++i) (*unfused)->nodes[i].op->apply_pointwise(chain, 2);
  n.op->apply_pointwise(px, 2);
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(px[i], chain[i], 1e-6);
  EXPECT_NEAR(px[0], 0.5f, 1e-6);
  EXPECT_FLOAT_EQ(px[3], 1.0f);
}

TEST(Compile, KeepsOutputsAndSharedNodesUnfused) {
  auto plan = compile_text(R"({"sources":{"s":"a.mov"},"nodes":{
      "a":{"op":"gain","inputs":["s"],"params":{"gain":2}},
      "b":{"op":"gain","inputs":["a"],"params":{"gain":3}},
      "c":{"op":"square","inputs":["a"]}},
    "outputs":[{"node":"b","path":"o.mov"},{"node":"c","path":"p.mov"}]})");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ((*plan)->nodes.size(), 4u);  // a feeds two nodes: it stays
}

TEST(Compile, AffineRunsFoldIntoOneMatrix) {
  auto plan = compile_text(R"({"sources":{"s":"a.mov"},"nodes":{
      "a":{"op":"gain","inputs":["s"],"params":{"gain":2}},
      "b":{"op":"gain","inputs":["a"],"params":{"gain":0.5}}},
    "outputs":[{"node":"b","path":"o.mov"}]})");
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ((*plan)->nodes.size(), 2u);
  EXPECT_TRUE((*plan)->nodes[1].op->is_identity());
}

TEST(Compile, ContentKeysFollowContent) {
  const char* a =
      R"({"sources":{"s":"a.mov"},"nodes":{"g":{"op":"gain","inputs":["s"],"params":{"gain":2}}},
                      "outputs":[{"node":"g","path":"o.mov"}]})";
  const char* b =
      R"({"sources":{"s":"a.mov"},"nodes":{"g":{"op":"gain","inputs":["s"],"params":{"gain":2.5}}},
                      "outputs":[{"node":"g","path":"o.mov"}]})";
  auto p1 = compile_text(a), p2 = compile_text(a), p3 = compile_text(b);
  ASSERT_TRUE(p1.ok() && p2.ok() && p3.ok());
  EXPECT_EQ((*p1)->key, (*p2)->key);
  EXPECT_NE((*p1)->key, (*p3)->key);
  EXPECT_EQ((*p1)->nodes[0].key, (*p3)->nodes[0].key);  // the source did not change
}

TEST(Schema, ParamsFromStrings) {
  Registry r = test_registry();
  const OpSchema& s = r.find("blend")->schema;
  auto j = params_from_strings(s, {"tint=1,0.5,0.25", "count=3", "mode=add"});
  ASSERT_TRUE(j.ok());
  auto p = validate_params(s, *j);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ((*p)[s.param<Vec3>("tint")][1], 0.5);
  EXPECT_EQ((*p)[s.param<int64_t>("count")], 3);
  EXPECT_FALSE(params_from_strings(s, {"count"}).ok());
  EXPECT_FALSE(params_from_strings(s, {"count=abc"}).ok());
}

TEST(Geometry, PyramidLevelsRoundUp) {
  FrameGeometry g{3840, 2160};
  EXPECT_EQ(g.bounds_at(0.5), (Rect{0, 0, 1920, 1080}));
  EXPECT_EQ(g.bounds_at(0.125), (Rect{0, 0, 480, 270}));
  FrameGeometry odd{721, 527};
  EXPECT_EQ(odd.bounds_at(0.5), (Rect{0, 0, 361, 264}));
  EXPECT_EQ(odd.bounds_at(0.25), (Rect{0, 0, 181, 132}));
}

}  // namespace
}  // namespace fl::graph

namespace fl::graph {
namespace {

TEST(Compile, DroppedNoOpStillAnswersToItsId) {
  auto plan = compile_text(R"({"sources":{"s":"a.mov"},"nodes":{
      "a":{"op":"gain","inputs":["s"],"params":{"gain":1}}}})");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ((*plan)->nodes.size(), 1u);
  EXPECT_EQ((*plan)->find("a"), 0);  // renders the source itself
}

}  // namespace
}  // namespace fl::graph

namespace fl::graph {
namespace {

TEST(Registry, OldGraphsAreUpgradedNewerOnesRefused) {
  Registry r;
  // Version 2 of "gain" renamed its parameter from "amount" to "gain".
  const OpSchema schema =
      OpBuilder("gain", 2).input("in").param_float("gain", 1.0, 0, 10, "").pointwise().build();
  r.add(schema, [gain = schema.param<double>("gain")](const Params& p, const PrepareCtx&) {
    return make_op<GainOp>(float(p[gain]));
  });
  r.add_upgrader("gain", 1, [](const nlohmann::json& p) -> Result<nlohmann::json> {
    nlohmann::json out = p;
    if (out.contains("amount")) out["gain"] = out["amount"], out.erase("amount");
    return out;
  });
  CompileOptions o = fake_probe();
  auto old = parse_graph(
      R"({"sources":{"s":"a.mov"},"nodes":{"g":{"op":"gain.1","inputs":["s"],"params":{"amount":2}}}})");
  ASSERT_TRUE(old.ok());
  auto plan = compile(*old, r, o);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  float px[4] = {0.25f, 0.25f, 0.25f, 1.0f};
  (*plan)->nodes[1].op->apply_pointwise(px, 1);
  EXPECT_FLOAT_EQ(px[0], 0.5f);

  auto future =
      parse_graph(R"({"sources":{"s":"a.mov"},"nodes":{"g":{"op":"gain.3","inputs":["s"]}}})");
  auto refused = compile(*future, r, o);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("newer than this framelock"));
  EXPECT_EQ(refused.status().field(), "nodes.g.op");
}

}  // namespace
}  // namespace fl::graph

#include <filesystem>
#include <fstream>

#include "graph/plan_cache.h"

namespace fl::graph {
namespace {

TEST(PlanCache, SameGraphSamePlanUntilAFileChanges) {
  auto dir = std::filesystem::temp_directory_path() / "framelock-plan-cache-test";
  std::filesystem::create_directories(dir);
  std::string lut = (dir / "look.cube").string();
  std::ofstream(lut) << "LUT_3D_SIZE 2\n";
  Registry r = test_registry();
  CompileOptions o = fake_probe();
  std::string text =
      R"({"sources":{"s":"a.mov"},"nodes":{"g":{"op":"gain","inputs":["s"],"params":{"gain":2}},
      "b":{"op":"blend","inputs":["s","g"],"params":{"count":1,"mode":"over"}}}})";
  auto g = parse_graph(text);
  ASSERT_TRUE(g.ok());
  auto node = [&](const char* id) -> NodeDecl& {
    for (auto& n : g->nodes)
      if (n.id == id) return n;
    throw std::runtime_error("no node");
  };
  node("b").params["note"] = lut;  // a file-valued parameter, as lut3d's "file" is
  PlanCache cache;
  EXPECT_EQ(PlanCache::key_for(*g), PlanCache::key_for(*g));
  ContentKey before = PlanCache::key_for(*g);
  // Touched but the same bytes: the same content, the same plan.
  std::filesystem::last_write_time(lut,
                                   std::filesystem::last_write_time(lut) + std::chrono::seconds(5));
  EXPECT_EQ(PlanCache::key_for(*g), before) << "the same bytes are the same content";
  std::ofstream(lut) << "LUT_3D_SIZE 3\n";
  EXPECT_NE(PlanCache::key_for(*g), before) << "an edited .cube must not reuse the old plan";
  node("b").params.erase("note");
  auto a = cache.get_or_compile(*g, r, o), b = cache.get_or_compile(*g, r, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());
  node("g").params["gain"] = 3;
  auto c = cache.get_or_compile(*g, r, o);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->get(), c->get());
  EXPECT_EQ(cache.size(), 2u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fl::graph

namespace fl::graph {
namespace {

// An op reads its parameters through handles its registration makes: a misspelt name or a wrong
// type fails there, when the op registers, with the op and the parameter named.
TEST(OpSchema, AHandleOnAParameterItDoesNotDeclareFailsAtRegistration) {
  const OpSchema schema =
      OpBuilder("typo", 1).input("in").param_float("gain", 1.0, 0, 10, "").build();
  EXPECT_EQ(schema.param<double>("gain").name(), "gain");
  try {
    (void)schema.param<double>("gian");
    ADD_FAILURE() << "a misspelt parameter made a handle";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(),
                 "operator 'typo' reads parameter 'gian', which its schema does not declare");
  }
  try {
    (void)schema.param<std::string>("gain");
    ADD_FAILURE() << "a float parameter made a string handle";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(),
                 "operator 'typo' reads parameter 'gain' as std::string, but its schema declares "
                 "it float");
  }
  EXPECT_THROW((void)schema.param<int64_t>("gain"), std::logic_error);
}

// Enum and path parameters are read as strings; ints are not floats.
TEST(OpSchema, HandlesReadEachDeclaredType) {
  const OpSchema schema = OpBuilder("all", 1)
                              .input("in")
                              .param_float("f", 0.5, 0, 1, "")
                              .param_int("i", 3, 0, 9, "")
                              .param_bool("b", true, "")
                              .param_vec3("v", Vec3{1, 2, 3}, 0, 9, "")
                              .param_enum("e", "x", {"x", "y"}, "")
                              .param_path("p", "a.cube", "")
                              .param_string("s", "hello", "")
                              .build();
  auto params = validate_params(schema, nlohmann::json{{"i", 7}, {"e", "y"}});
  ASSERT_TRUE(params.ok()) << params.status().message();
  EXPECT_EQ((*params)[schema.param<double>("f")], 0.5);
  EXPECT_EQ((*params)[schema.param<int64_t>("i")], 7);
  EXPECT_TRUE((*params)[schema.param<bool>("b")]);
  EXPECT_EQ((*params)[schema.param<Vec3>("v")], (Vec3{1, 2, 3}));
  EXPECT_EQ((*params)[schema.param<std::string>("e")], "y");
  EXPECT_EQ((*params)[schema.param<std::string>("p")], "a.cube");
  EXPECT_EQ((*params)[schema.param<std::string>("s")], "hello");
  EXPECT_THROW((void)schema.param<double>("i"), std::logic_error);
  EXPECT_THROW((void)schema.param<bool>("e"), std::logic_error);
}

// A factory that throws anyway (a library call that throws) fails to compile with its node
// named, not with an exception out of compile().
TEST(Compile, AFactoryThatThrowsIsReportedWithItsNode) {
  Registry r;
  r.add(OpBuilder("typo", 1).input("in").param_float("gain", 1.0, 0, 10, "").build(),
        [](const Params&, const PrepareCtx&) -> Result<std::shared_ptr<const Op>> {
          throw std::out_of_range("map::at");
        });
  auto g = parse_graph(R"({"sources":{"s":"a.mov"},"nodes":{"t":{"op":"typo","inputs":["s"]}}})");
  ASSERT_TRUE(g.ok());
  auto plan = compile(*g, r, fake_probe());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), ErrorCode::kInternal);
  EXPECT_NE(plan.status().message().find("node 't'"), std::string::npos) << plan.status().message();
  EXPECT_NE(plan.status().message().find("operator 'typo' failed to prepare"), std::string::npos);
  EXPECT_EQ(plan.status().field(), "nodes.t");
}

}  // namespace
}  // namespace fl::graph
