#include "ops/register.h"

#include "ops/register_ai.h"
#include "ops/register_core.h"

namespace fl::ops {

void register_builtin_ops(graph::Registry& r) {
  register_core_ops(r);
  register_ai_ops(r);
}

const graph::Registry& builtin_registry() {
  static const graph::Registry registry = [] {
    graph::Registry r;
    register_builtin_ops(r);
    return r;
  }();
  return registry;
}

}  // namespace fl::ops
