#include "ops/register_core.h"

namespace fl::ops {

void register_cdl(graph::Registry&);
void register_crop(graph::Registry&);
void register_exposure(graph::Registry&);
void register_lut3d(graph::Registry&);
void register_mix(graph::Registry&);
void register_ocio(graph::Registry&);
void register_reformat(graph::Registry&);
void register_resize(graph::Registry&);
void register_saturation(graph::Registry&);
void register_wipe(graph::Registry&);

void register_core_ops(graph::Registry& r) {
  register_cdl(r);
  register_crop(r);
  register_exposure(r);
  register_lut3d(r);
  register_mix(r);
  register_ocio(r);
  register_reformat(r);
  register_resize(r);
  register_saturation(r);
  register_wipe(r);
}

const graph::Registry& core_registry() {
  static const graph::Registry registry = [] {
    graph::Registry r;
    register_core_ops(r);
    return r;
  }();
  return registry;
}

}  // namespace fl::ops
