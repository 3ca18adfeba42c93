// The operators a graph uses, node by node, as the policy's rules see them: the operator's name,
// whatever version the graph asked for ("fill.1" is fill), read before compiling (a compiled
// plan fuses runs of pointwise nodes and would hide all but one of them from the rules).
#pragma once

#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "graph/graph.h"
#include "security/policy.h"

namespace fl::service {

// Operators the registry does not know are left out: the compiler names them.
std::vector<security::NodeOperator> node_operators(const graph::Graph& graph);
// The same for a graph as posted (JSON, not yet validated: what is not a node is skipped).
std::vector<security::NodeOperator> node_operators(const nlohmann::json& graph);

}  // namespace fl::service
