// The operators that grade and reshape pictures without OpenCV: what libframelock.so carries, so
// that a decode -> grade -> encode embedder links no computer-vision library.
#pragma once

#include "graph/registry.h"

namespace fl::ops {

void register_core_ops(graph::Registry& registry);
// Built on first use, immutable afterwards.
const graph::Registry& core_registry();

}  // namespace fl::ops
