// Request bodies as JSON, refused before nlohmann's recursive parser can be driven into a stack
// overflow: nesting deeper than kMaxJsonDepth (no graph comes near it) is an error, as is
// anything that is not one JSON value.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "framelock/status.h"

namespace fl::service {

inline constexpr int kMaxJsonDepth = 64;

// kInvalidArgument "malformed JSON: ..." (the server answers 400).
Result<nlohmann::json> parse_request_json(std::string_view body);

}  // namespace fl::service
