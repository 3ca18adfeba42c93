#include "service/node_operators.h"

#include <nlohmann/json.hpp>

#include "ops/register.h"

namespace fl::service {

namespace {

void add(std::vector<security::NodeOperator>& out, const std::string& node, const std::string& op) {
  if (const auto* def = ops::builtin_registry().find(op)) out.push_back({node, def->schema.name});
}

}  // namespace

std::vector<security::NodeOperator> node_operators(const graph::Graph& graph) {
  std::vector<security::NodeOperator> out;
  for (const auto& n : graph.nodes) add(out, n.id, n.op);
  return out;
}

std::vector<security::NodeOperator> node_operators(const nlohmann::json& graph) {
  std::vector<security::NodeOperator> out;
  if (!graph.is_object() || !graph.contains("nodes") || !graph["nodes"].is_object()) return out;
  for (const auto& [id, node] : graph["nodes"].items())
    if (node.is_object() && node.contains("op") && node["op"].is_string())
      add(out, id, node["op"].get<std::string>());
  return out;
}

}  // namespace fl::service
