// The built-in operators, one registration line each (no static-initialisation magic).
#pragma once

#include "graph/registry.h"

namespace fl::ops {

void register_builtin_ops(graph::Registry& registry);
// Built on first use, immutable afterwards.
const graph::Registry& builtin_registry();

}  // namespace fl::ops
