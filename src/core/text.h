// Small text helpers shared by the parsers (.cube, .cdl, EDL, mask shapes).
#pragma once

#include <string_view>

namespace fl {

// `c` is white space in the C locale (space, tab, CR, LF, VT, FF), whatever the process locale.
constexpr bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// `s` without the white space at either end.
constexpr std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace fl
