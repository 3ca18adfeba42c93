// The cast as JSON (docs/characters.md): what `framelock characters --json` prints and what the
// server will serve.
#pragma once

#include <nlohmann/json.hpp>

#include "analysis/characters.h"

namespace fl::analysis {

nlohmann::json cast_to_json(const Cast& cast);

}  // namespace fl::analysis
