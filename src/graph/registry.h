// The operator registry: schemas and factories, filled once by register_builtin_ops().
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "graph/op.h"
#include "graph/schema.h"

namespace fl::graph {

struct OpDef {
  OpSchema schema;
  OpFactory make;
};

class Registry {
 public:
  void add(OpSchema schema, OpFactory make);
  // By name ("cdl") or versioned id ("cdl.1").
  const OpDef* find(std::string_view name_or_id) const;
  std::vector<const OpDef*> list() const;  // sorted by name

 private:
  std::vector<std::unique_ptr<OpDef>> defs_;
};

}  // namespace fl::graph
