// The operator registry: schemas and factories, filled once by register_builtin_ops().
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "graph/op.h"
#include "graph/schema.h"

namespace fl::graph {

// Rewrites the params of version `from` of an op into those of version from + 1
// (OpenTimelineIO's schema upgraders): old graphs keep loading after a schema changes.
using ParamUpgrader = std::function<Result<nlohmann::json>(const nlohmann::json& params)>;

struct OpDef {
  OpSchema schema;
  OpFactory make;
  std::map<int, ParamUpgrader> upgraders;  // by the version they upgrade from
};

class Registry {
 public:
  void add(OpSchema schema, OpFactory make);
  void add_upgrader(std::string_view name, int from_version, ParamUpgrader upgrade);
  // By name ("cdl") or versioned id ("cdl.1").
  const OpDef* find(std::string_view name_or_id) const;
  std::vector<const OpDef*> list() const;  // sorted by name

  // Params written for `op` ("cdl" or "cdl.1") brought to the current schema version. A
  // version newer than this build knows, or one with no upgrade path, is an error.
  Result<nlohmann::json> upgrade(std::string_view op, const nlohmann::json& params) const;

 private:
  std::vector<std::unique_ptr<OpDef>> defs_;
};

}  // namespace fl::graph
