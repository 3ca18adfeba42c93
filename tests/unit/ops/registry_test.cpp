// Every built-in operator registers: its parameter handles name parameters its schema declares,
// with their types (OpSchema::param throws at registration otherwise).
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "graph/registry.h"
#include "ops/register.h"

namespace fl::ops {
namespace {

TEST(BuiltinOps, EveryOperatorRegistersWithHandlesItsSchemaDeclares) {
  graph::Registry r;
  try {
    register_builtin_ops(r);
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  std::vector<std::string> names;
  for (const auto* def : r.list()) names.push_back(def->schema.name);
  for (const char* op :
       {"cdl", "clean_plate", "crop", "exposure", "extend", "fill", "lut3d", "mask", "mix", "ocio",
        "reformat", "resize", "saturation", "scene_lock", "wipe"})
    EXPECT_NE(std::find(names.begin(), names.end(), op), names.end()) << op;
}

}  // namespace
}  // namespace fl::ops
