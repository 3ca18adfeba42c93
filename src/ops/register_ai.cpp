#include "ops/register_ai.h"

namespace fl::ops {

void register_character_lock(graph::Registry&);
void register_character_mask(graph::Registry&);
void register_clean_plate(graph::Registry&);
void register_extend(graph::Registry&);
void register_fill(graph::Registry&);
void register_mask(graph::Registry&);
void register_scene_lock(graph::Registry&);

void register_ai_ops(graph::Registry& r) {
  register_character_lock(r);
  register_character_mask(r);
  register_clean_plate(r);
  register_extend(r);
  register_fill(r);
  register_mask(r);
  register_scene_lock(r);
}

}  // namespace fl::ops
