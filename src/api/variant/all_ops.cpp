// libframelock_full.so: every built-in operator, the analysing and inpainting ones (OpenCV)
// included.
#include "api/handles.h"
#include "ops/register.h"

namespace fl::api {

const graph::Registry& registry() { return ops::builtin_registry(); }

}  // namespace fl::api
