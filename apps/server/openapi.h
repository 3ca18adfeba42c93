// The OpenAPI 3 document of /v1, generated from the same operator schemas as `framelock ops`,
// so every operator's parameters (types, ranges, defaults, choices) are described where the
// graph's nodes are.
#pragma once

#include <nlohmann/json.hpp>

#include "graph/registry.h"

namespace fl::server {

nlohmann::json openapi_document(const graph::Registry& registry);

}  // namespace fl::server
