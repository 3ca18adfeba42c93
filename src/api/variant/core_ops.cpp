// libframelock.so: grading and geometry only, so that it links no OpenCV.
#include "api/handles.h"
#include "ops/register_core.h"

namespace fl::api {

const graph::Registry& registry() { return ops::core_registry(); }

}  // namespace fl::api
