// The operators that analyse shots or synthesise pixels (OpenCV through fl_analysis and
// fl_inpaint): fill, clean_plate, extend, mask, scene_lock.
#pragma once

#include "graph/registry.h"

namespace fl::ops {

void register_ai_ops(graph::Registry& registry);

}  // namespace fl::ops
