// What the OpenAPI document's two halves share (openapi.cpp: the paths; openapi_schemas.cpp:
// the components, the operators' nodes among them).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "graph/registry.h"

namespace fl::server {

inline nlohmann::json ref(const std::string& name) {
  return {{"$ref", "#/components/schemas/" + name}};
}

// A body's "project" field.
inline nlohmann::json project_property() {
  return {{"type", "string"},
          {"pattern", "^[a-z0-9][a-z0-9_-]{0,62}$"},
          {"description", "the project (docs/security.md); by default the one its media lie in"}};
}

// The request and answer bodies (Graph, Job, Error, ...) and one node schema per operator.
nlohmann::json component_schemas(const graph::Registry& registry);

}  // namespace fl::server
