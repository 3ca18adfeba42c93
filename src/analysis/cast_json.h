// The cast as JSON (docs/characters.md): what `framelock characters --json` prints and what the
// server will serve.
#pragma once

#include <nlohmann/json.hpp>

#include "analysis/characters.h"

namespace fl::analysis {

nlohmann::json cast_to_json(const Cast& cast);

// The cast back from that JSON (a cast file someone kept, corrected or wrote): every field
// checked, kInvalidArgument naming the first field that is wrong ("characters[1].tracks[0].end").
// Identities are not in the file; a cast read back has none.
Result<Cast> cast_from_json(const nlohmann::json& j);
// The same from a file: kNotFound when it cannot be read, kInvalidArgument naming the file
// when it is not JSON.
Result<Cast> read_cast_file(const std::string& path);

}  // namespace fl::analysis
