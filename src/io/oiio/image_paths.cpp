// File-name rules of the OIIO layer. See image_paths.h.
#include "io/oiio/image_paths.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace fl::io::image_paths {

namespace fs = std::filesystem;

namespace {

struct Token {
  size_t pos = std::string::npos;  // in the file name
  size_t len = 0;
  int padding = 0;
};

// Finds `%d`, `%Nd`, `%0Nd` or a run of '#'. More than one token is reported as `count` > 1.
Token find_token(const std::string& name, int* count) {
  Token first;
  *count = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    Token t;
    if (name[i] == '%') {
      size_t j = i + 1;
      while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
      if (j >= name.size() || name[j] != 'd') continue;
      // `%4d` pads with spaces in printf; nobody names frames that way, so treat it as `%04d`.
      t = {i, j + 1 - i, j > i + 1 ? std::atoi(name.substr(i + 1, j - i - 1).c_str()) : 0};
    } else if (name[i] == '#') {
      size_t j = i;
      while (j < name.size() && name[j] == '#') ++j;
      t = {i, j - i, int(j - i)};
    } else {
      continue;
    }
    if ((*count)++ == 0) first = t;
    i = t.pos + t.len - 1;
  }
  return first;
}

std::string file_name_part(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string extension_of(const std::string& path) {
  std::string name = file_name_part(path);
  size_t dot = name.find_last_of('.');
  if (dot == std::string::npos || dot == 0) return {};
  std::string ext = name.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return ext;
}

std::string format_for_extension(const std::string& ext) {
  if (ext == ".exr") return "openexr";
  if (ext == ".dpx") return "dpx";
  if (ext == ".tif" || ext == ".tiff") return "tiff";
  if (ext == ".png") return "png";
  if (ext == ".jpg" || ext == ".jpeg") return "jpeg";
  return {};
}

bool is_still_extension(const std::string& ext) { return !format_for_extension(ext).empty(); }

std::string SequencePattern::file_name(int64_t number) const {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%0*lld", padding, static_cast<long long>(number));
  return prefix + digits + suffix;
}

std::string SequencePattern::path(int64_t number) const {
  if (directory.empty()) return file_name(number);
  return directory.back() == '/' ? directory + file_name(number)
                                 : directory + "/" + file_name(number);
}

bool SequencePattern::match(const std::string& name, int64_t* number) const {
  if (name.size() <= prefix.size() + suffix.size()) return false;
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  // 18 digits keeps the value inside int64 without overflow checks.
  if (digits.empty() || digits.size() > 18) return false;
  for (char c : digits)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  int64_t n = std::stoll(digits);
  if (file_name(n) != name) return false;
  *number = n;
  return true;
}

bool looks_like_pattern(const std::string& path) {
  int count = 0;
  find_token(file_name_part(path), &count);
  return count > 0;
}

Result<SequencePattern> parse_pattern(const std::string& path) {
  std::string name = file_name_part(path);
  int count = 0;
  Token t = find_token(name, &count);
  if (count == 0) return invalid_argument("'" + path + "' is not a sequence pattern");
  if (count > 1)
    return invalid_argument("sequence pattern '" + path + "' has more than one frame-number token");
  if (t.padding > 18)
    return invalid_argument("sequence pattern '" + path + "' pads to more than 18 digits");
  SequencePattern p;
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos) p.directory = slash == 0 ? "/" : path.substr(0, slash);
  p.prefix = name.substr(0, t.pos);
  p.suffix = name.substr(t.pos + t.len);
  p.padding = t.padding;
  return p;
}

Result<std::vector<std::pair<int64_t, std::string>>> scan_sequence(const std::string& pattern_text,
                                                                   const SequencePattern& pattern) {
  const std::string dir = pattern.directory.empty() ? "." : pattern.directory;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return not_found("no directory '" + dir + "' for sequence '" + pattern_text + "'");
  std::vector<std::pair<int64_t, std::string>> frames;
  fs::directory_iterator it(dir, ec);
  if (ec) return permission_denied("cannot list '" + dir + "': " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return io_error("cannot list '" + dir + "': " + ec.message());
    int64_t number = 0;
    std::string name = it->path().filename().string();
    if (pattern.match(name, &number)) frames.emplace_back(number, pattern.path(number));
  }
  if (frames.empty())
    return not_found("no files match sequence '" + pattern_text + "' in '" + dir + "'");
  std::sort(frames.begin(), frames.end());
  return frames;
}

}  // namespace fl::io::image_paths
