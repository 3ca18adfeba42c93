// The JSON shapes the CLI (--json) and the REST API share.
#pragma once

#include <nlohmann/json.hpp>

#include "framelock/media.h"
#include "framelock/status.h"

namespace fl::service {

nlohmann::json media_to_json(const MediaInfo& m);
MediaInfo media_from_json(const nlohmann::json& j);  // tolerant: missing fields keep defaults
// {"code","message","field"}
nlohmann::json status_to_json(const Status& s);
// `text` with every absolute path cut to its last component ('/srv/show/a.mov' -> 'a.mov'), for
// messages that anyone with a viewer's token reads: the server's layout is not theirs to see.
std::string without_server_paths(std::string_view text);

}  // namespace fl::service
