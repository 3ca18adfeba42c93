#include "graph/registry.h"

#include <algorithm>
#include <stdexcept>

namespace fl::graph {

void Registry::add(OpSchema schema, OpFactory make) {
  if (find(schema.name)) throw std::logic_error("operator registered twice: " + schema.name);
  // Like a parameter handle: a likeness declaration naming no input fails every test at once.
  const LikenessDecl& l = schema.likeness;
  if ((l.reach == LikenessReach::kInsideMask) != !l.mask_input.empty())
    throw std::logic_error(schema.name + ": an inside_mask reach names its mask input, no other");
  for (const std::string& in : l.inside_inputs)
    if (schema.input_index(in) < 0)
      throw std::logic_error(schema.name + ": alters_likeness names no input '" + in + "'");
  if (!l.mask_input.empty() && schema.input_index(l.mask_input) < 0)
    throw std::logic_error(schema.name + ": alters_likeness names no input '" + l.mask_input + "'");
  defs_.push_back(std::make_unique<OpDef>(OpDef{std::move(schema), std::move(make)}));
}

namespace {

// "cdl.2" -> ("cdl", 2); "cdl" -> ("cdl", 0)
std::pair<std::string_view, int> split_id(std::string_view id) {
  auto dot = id.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == id.size()) return {id, 0};
  int v = 0;
  for (char c : id.substr(dot + 1)) {
    if (c < '0' || c > '9') return {id, 0};
    v = v * 10 + (c - '0');
  }
  return {id.substr(0, dot), v};
}

}  // namespace

void Registry::add_upgrader(std::string_view name, int from_version, ParamUpgrader upgrade) {
  for (auto& d : defs_)
    if (d->schema.name == name) d->upgraders[from_version] = std::move(upgrade);
}

const OpDef* Registry::find(std::string_view n) const {
  auto [name, version] = split_id(n);
  for (const auto& d : defs_)
    if (d->schema.name == name && version <= d->schema.version) return d.get();
  return nullptr;
}

Result<nlohmann::json> Registry::upgrade(std::string_view op, const nlohmann::json& params) const {
  auto [name, version] = split_id(op);
  const OpDef* def = nullptr;
  for (const auto& d : defs_)
    if (d->schema.name == name) def = d.get();
  if (!def) return invalid_argument("unknown operator '" + std::string(op) + "'");
  if (version == 0 || version == def->schema.version) return params;
  if (version > def->schema.version)
    return unsupported("operator '" + std::string(op) +
                       "' is newer than this framelock (which has " + def->schema.id() + ")");
  nlohmann::json p = params;
  for (int v = version; v < def->schema.version; ++v) {
    auto it = def->upgraders.find(v);
    if (it == def->upgraders.end())
      return unsupported("no upgrade from " + std::string(name) + "." + std::to_string(v) + " to " +
                         def->schema.id());
    FL_ASSIGN_OR_RETURN(p, it->second(p));
  }
  return p;
}

std::vector<const OpDef*> Registry::list() const {
  std::vector<const OpDef*> out;
  for (const auto& d : defs_) out.push_back(d.get());
  std::sort(out.begin(), out.end(),
            [](const OpDef* a, const OpDef* b) { return a->schema.name < b->schema.name; });
  return out;
}

}  // namespace fl::graph
