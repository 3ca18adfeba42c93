// One manifest for an image sequence: a sidecar bound to every file by a collection data hash
// (C2PA 2.2 §18.8.2 for the assertion, §15.12.5 for its validation). The spec's form is written:
// `uris` an array of {uri, hash, size, dc:format}, URIs relative to the sidecar's folder.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "provenance/c2pa/container.h"
#include "provenance/c2pa/file_bytes.h"

namespace fl::c2pa {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json bytes_of(std::string_view b) { return json::binary(std::vector<uint8_t>(b.begin(), b.end())); }

// A URI the validator may follow: relative, with no `.` or `..` segment (§15.12.5).
bool safe_relative_uri(const std::string& uri) {
  if (uri.empty() || uri.front() == '/' || uri.find('\\') != std::string::npos) return false;
  size_t at = 0;
  while (at <= uri.size()) {
    const size_t end = std::min(uri.find('/', at), uri.size());
    const std::string_view segment(uri.data() + at, end - at);
    if (segment.empty() || segment == "." || segment == "..") return false;
    at = end + 1;
  }
  return true;
}

}  // namespace

std::string_view mime_for_path(const std::string& path) {
  static const std::map<std::string, std::string_view> kByExtension{
      {".mp4", "video/mp4"},       {".mov", "video/quicktime"}, {".mkv", "video/x-matroska"},
      {".mxf", "application/mxf"}, {".avi", "video/x-msvideo"}, {".png", "image/png"},
      {".jpg", "image/jpeg"},      {".jpeg", "image/jpeg"},     {".exr", "image/x-exr"},
      {".dpx", "image/x-dpx"},     {".tif", "image/tiff"},      {".tiff", "image/tiff"}};
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext) c = char(std::tolower(uint8_t(c)));
  auto it = kByExtension.find(ext);
  return it == kByExtension.end() ? std::string_view("application/octet-stream") : it->second;
}

bool is_sequence_pattern(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  return name.find('%') != std::string::npos || name.find('#') != std::string::npos;
}

std::string sequence_sidecar_path(const std::string& pattern) {
  const fs::path p(pattern);
  std::string stem = p.filename().string();
  stem = stem.substr(0, stem.find_first_of("%#"));
  while (!stem.empty() && (stem.back() == '.' || stem.back() == '_' || stem.back() == '-'))
    stem.pop_back();
  if (stem.empty()) stem = "sequence";
  return (p.parent_path() / (stem + ".c2pa")).string();
}

Status write_collection_sidecar(const std::string& sidecar, const std::vector<std::string>& files,
                                ManifestDefinition definition, const SigningIdentity& signer) {
  if (files.empty())
    return invalid_argument(fmt::format("'{}': an image sequence with no files", sidecar));
  const fs::path folder = fs::path(sidecar).parent_path();
  json uris = json::array();
  Sha256Stream all;  // names the manifest by every file's hash
  for (const std::string& file : files) {
    FL_ASSIGN_OR_RETURN(std::string hash, sha256_of_file(file));
    std::error_code ec;
    const uint64_t size = fs::file_size(file, ec);
    if (ec) return io_error(fmt::format("cannot read '{}': {}", file, ec.message()));
    const std::string uri =
        fs::path(file).lexically_relative(folder.empty() ? "." : folder).generic_string();
    if (!safe_relative_uri(uri))
      return invalid_argument(
          fmt::format("'{}' is not inside the sequence's folder '{}'", file, folder.string()));
    uris.push_back({{"uri", uri},
                    {"hash", bytes_of(hash)},
                    {"size", size},
                    {"dc:format", mime_for_path(file)}});
    all.update(hash.data(), hash.size());
  }
  settle_ids(definition, all.final());
  definition.assertions.push_back(
      {"c2pa.hash.collection.data", {{"uris", uris}, {"alg", "sha256"}}});
  FL_ASSIGN_OR_RETURN(std::string store, build_manifest_store(definition, signer));
  return write_file_atomically(sidecar, store);
}

BindingVerdict check_collection_hash(const std::string& sidecar, const json& binding) {
  const std::string kMalformed = "assertion.collectionHash.malformed";
  if (!binding.is_object() || !binding.contains("uris") || !binding["uris"].is_array() ||
      !binding.contains("alg") || !binding["alg"].is_string())
    return {kMalformed, "the collection hash needs `uris` (an array) and `alg`"};
  if (binding["alg"].get<std::string>() != "sha256")
    return {kMalformed, "the collection hash uses an algorithm other than SHA-256"};
  const fs::path folder = fs::path(sidecar).parent_path();
  size_t checked = 0;
  for (const json& entry : binding["uris"]) {
    if (!entry.is_object() || !entry.contains("uri") || !entry["uri"].is_string() ||
        !entry.contains("hash") || !entry["hash"].is_binary())
      return {kMalformed, "a collection entry needs a `uri` and a `hash`"};
    const std::string uri = entry["uri"].get<std::string>();
    if (!safe_relative_uri(uri))
      return {"assertion.collectionHash.invalidURI",
              fmt::format("'{}' is not a relative path inside the collection", uri)};
    const std::string file = (folder / uri).string();
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
      return {"assertion.collectionHash.incorrectFileCount",
              fmt::format("'{}' is listed in the manifest but missing", file)};
    auto hash = sha256_of_file(file);
    if (!hash.ok()) return {"assertion.collectionHash.mismatch", hash.status().message()};
    const auto& want = entry["hash"].get_binary();
    if (*hash != std::string(want.begin(), want.end()))
      return {"assertion.collectionHash.mismatch",
              fmt::format("the bytes of '{}' do not match its hash in the manifest", file)};
    ++checked;
  }
  if (checked == 0) return {kMalformed, "the collection hash lists no files"};
  return {"assertion.collectionHash.match",
          fmt::format("all {} files match their hashes in the manifest", checked)};
}

}  // namespace fl::c2pa
