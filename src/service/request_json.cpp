#include "service/request_json.h"

namespace fl::service {

namespace {

// Deepest nesting of [ and { outside strings; stops counting once over the limit.
int nesting_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > kMaxJsonDepth) return deepest;
    } else if (c == ']' || c == '}')
      --depth;
  }
  return deepest;
}

}  // namespace

Result<nlohmann::json> parse_request_json(std::string_view body) {
  if (body.empty()) return invalid_argument("malformed JSON: the request body is empty");
  if (nesting_depth(body) > kMaxJsonDepth)
    return invalid_argument("malformed JSON: nested deeper than " + std::to_string(kMaxJsonDepth) +
                            " levels");
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's message carries the byte offset ("at line 1, column 9").
    std::string what = e.what();
    auto pos = what.find("] ");
    return invalid_argument("malformed JSON: " +
                            (pos == std::string::npos ? what : what.substr(pos + 2)));
  }
}

}  // namespace fl::service
