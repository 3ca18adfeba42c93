#include "graph/registry.h"

#include <algorithm>
#include <stdexcept>

namespace fl::graph {

void Registry::add(OpSchema schema, OpFactory make) {
  if (find(schema.name)) throw std::logic_error("operator registered twice: " + schema.name);
  defs_.push_back(std::make_unique<OpDef>(OpDef{std::move(schema), std::move(make)}));
}

const OpDef* Registry::find(std::string_view n) const {
  for (const auto& d : defs_)
    if (d->schema.name == n || d->schema.id() == n) return d.get();
  return nullptr;
}

std::vector<const OpDef*> Registry::list() const {
  std::vector<const OpDef*> out;
  for (const auto& d : defs_) out.push_back(d.get());
  std::sort(out.begin(), out.end(),
            [](const OpDef* a, const OpDef* b) { return a->schema.name < b->schema.name; });
  return out;
}

}  // namespace fl::graph
