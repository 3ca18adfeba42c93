// JSON as text, without throwing. Strings that came from outside (request paths, file names,
// messages that quote them) may hold bytes that are not UTF-8, and nlohmann's dump() throws
// type_error.316 on them; one such byte in a 404 message used to end the server. Here every
// invalid byte becomes U+FFFD. Use this, never json::dump(), for anything written out.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace fl {

template <class Json>
std::string json_text(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace fl
