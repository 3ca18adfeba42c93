// libframelock_full.so: the same API as libframelock.so, with every built-in operator.
#include <gtest/gtest.h>

#include <algorithm>

#include "framelock/framelock.hpp"

namespace fw = framelock;

TEST(ApiFull, CarriesTheAnalysingOperatorsToo) {
  auto ops = fw::operators();
  for (const char* name :
       {"cdl", "exposure", "fill", "clean_plate", "extend", "mask", "scene_lock"})
    EXPECT_NE(std::find(ops.begin(), ops.end(), name), ops.end()) << name;
}

TEST(ApiFull, CompileErrorsNameTheNodeAsInTheLeanLibrary) {
  auto engine = fw::Engine::create();
  ASSERT_TRUE(engine.ok());
  auto g = fw::Graph::parse(R"({"framelock": 1, "sources": {},
    "nodes": {"lock": {"op": "scene_lock", "inputs": {"in": "nowhere"}}}})");
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  auto plan = engine->compile(*g);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().node(), "lock");
  EXPECT_EQ(plan.status().field().rfind("nodes.lock.", 0), 0u) << plan.status().field();
}
