// Bytes as text: lowercase hex and base64 (RFC 4648; the URL-safe alphabet without padding for
// tokens and ids that travel in URLs and headers).
#pragma once

#include <string>
#include <string_view>

namespace fl {

std::string hex_encode(std::string_view bytes);
std::string base64_encode(std::string_view bytes, bool url_safe = false);

}  // namespace fl
