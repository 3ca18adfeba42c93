#include "io/timeline/timeline.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>

#include "io/timeline/edl.h"
#include "io/timeline/otio.h"

namespace fl::io {
namespace {

// Timelines are text of a few KB per hundred events; a file this large is not one.
constexpr size_t kMaxTimelineBytes = size_t(16) << 20;

std::string extension(const std::string& path) {
  const size_t dot = path.rfind('.'), slash = path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {};
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return ext;
}

Result<std::string> read_text(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return not_found("timeline '" + path + "' not found");
  if (std::filesystem::is_directory(path, ec))
    return invalid_argument("timeline '" + path + "' is a directory");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    return permission_denied("cannot read timeline '" + path + "': " + std::strerror(errno));
  }
  std::string text;
  char buf[65536];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    if (text.size() + n > kMaxTimelineBytes) {
      std::fclose(f);
      return invalid_argument("timeline '" + path + "' is larger than " +
                              std::to_string(kMaxTimelineBytes >> 20) + " MiB");
    }
    text.append(buf, n);
  }
  const bool failed = std::ferror(f);
  std::fclose(f);
  if (failed) return io_error("error reading timeline '" + path + "'");
  return text;
}

}  // namespace

bool is_timeline_path(const std::string& path) {
  const std::string ext = extension(path);
  return ext == "edl" || ext == "otio";
}

Result<Timeline> read_timeline_file(const std::string& path, Rational rate_hint) {
  const std::string ext = extension(path);
  if (ext != "edl" && ext != "otio") {
    return invalid_argument("'" + path + "' is not a timeline (expected .edl or .otio)");
  }
  FL_ASSIGN_OR_RETURN(std::string text, read_text(path));
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(path, ec).parent_path();
  const std::string base_dir = ec ? std::string() : dir.lexically_normal().string();
  if (ext == "edl") return parse_edl(text, path, base_dir, rate_hint);
  return parse_otio(text, path, base_dir);
}

namespace timeline_detail {

std::string resolve_path(const std::string& path, const std::string& base_dir) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return base_dir.back() == '/' ? base_dir + path : base_dir + "/" + path;
}

Rational reduce(Rational r) {
  if (r.den < 0) r.num = -r.num, r.den = -r.den;
  const int g = std::gcd(r.num, r.den);
  return g > 1 ? Rational{r.num / g, r.den / g} : r;
}

std::optional<Rational> rate_from_double(double rate) {
  if (!std::isfinite(rate) || rate <= 0 || rate > 1e6) return std::nullopt;
  // NTSC rates are often written rounded (23.976, 29.97); they mean x000/1001.
  for (int n : {24000, 30000, 48000, 60000, 120000}) {
    if (std::abs(rate - n / 1001.0) < 1e-3) return Rational{n, 1001};
  }
  // Otherwise the simplest fraction that the double is (what Rational::to_double wrote).
  for (int den = 1; den <= 1001; ++den) {
    const double num = std::round(rate * den);
    if (num >= 1 && std::abs(num / den - rate) <= 1e-9 * rate) return reduce({int(num), den});
  }
  return std::nullopt;
}

std::string format_number(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace timeline_detail

}  // namespace fl::io
