#include "provenance/c2pa/container.h"

#include <fstream>

#include <fmt/format.h>

#include "provenance/c2pa/file_bytes.h"

namespace fl::c2pa {

using nlohmann::json;

std::optional<Container> detect_container(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[12] = {0};
  in.read(head, sizeof head);
  const std::string_view h(head, size_t(in.gcount()));
  if (h.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return Container::kPng;
  if (h.size() >= 3 && uint8_t(h[0]) == 0xFF && uint8_t(h[1]) == 0xD8 && uint8_t(h[2]) == 0xFF)
    return Container::kJpeg;
  if (h.size() >= 8 && h.substr(4, 4) == "ftyp") return Container::kBmff;
  return std::nullopt;
}

std::string_view container_mime(Container c, const std::string& path) {
  switch (c) {
    case Container::kPng:
      return "image/png";
    case Container::kJpeg:
      return "image/jpeg";
    case Container::kBmff:
      return path.size() >= 4 && (path.ends_with(".mov") || path.ends_with(".MOV"))
                 ? "video/quicktime"
                 : "video/mp4";
  }
  return "application/octet-stream";
}

Status embed_manifest(const std::string& path, Container container, ManifestDefinition definition,
                      const SigningIdentity& signer) {
  switch (container) {
    case Container::kPng:
      return embed_png(path, std::move(definition), signer);
    case Container::kJpeg:
      return embed_jpeg(path, std::move(definition), signer);
    case Container::kBmff:
      return embed_bmff(path, std::move(definition), signer);
  }
  return unsupported(fmt::format("'{}': no manifest container for this format", path));
}

Result<std::string> read_embedded_store(const std::string& path, Container container) {
  if (container == Container::kBmff) return read_bmff_store(path);
  FL_ASSIGN_OR_RETURN(std::string file, read_file_bytes(path));
  switch (container) {
    case Container::kPng:
      return read_png_store(file);
    case Container::kJpeg:
      return read_jpeg_store(file);
    case Container::kBmff:
      break;
  }
  return unsupported(fmt::format("'{}': no manifest container for this format", path));
}

Status check_hard_binding(const std::string& path, std::optional<Container> container,
                          const std::string& label, const json& binding) {
  if (label == "c2pa.hash.data" && !container) {  // a sidecar's: the whole file
    if (!binding.value("exclusions", json::array()).empty())
      return corrupt_data("a sidecar's data hash must cover the whole file");
    FL_ASSIGN_OR_RETURN(std::string hash, sha256_of_file(path));
    const auto want = binding.contains("hash") && binding["hash"].is_binary()
                          ? binding["hash"].get_binary()
                          : json::binary_t();
    if (hash != std::string(want.begin(), want.end()))
      return corrupt_data("the file's bytes do not match the data hash of its sidecar manifest");
    return ok_status();
  }
  if (label == "c2pa.hash.data") {
    FL_ASSIGN_OR_RETURN(std::string file, read_file_bytes(path));
    return check_data_hash(file, binding);
  }
  if (label.rfind("c2pa.hash.bmff", 0) == 0 && container == Container::kBmff)
    return check_bmff_hash(path, label, binding);
  return unsupported(fmt::format("hard binding '{}' is not checked yet", label));
}

std::string sidecar_path(const std::string& path) { return path + ".c2pa"; }

Status write_sidecar(const std::string& path, ManifestDefinition definition,
                     const SigningIdentity& signer) {
  FL_ASSIGN_OR_RETURN(std::string hash, sha256_of_file(path));
  settle_ids(definition, hash);
  json binding = data_hash_assertion(hash, 0, 0);
  binding["exclusions"] = json::array();
  definition.assertions.push_back({"c2pa.hash.data", binding});
  FL_ASSIGN_OR_RETURN(std::string store, build_manifest_store(definition, signer));
  return write_file_atomically(sidecar_path(path), store);
}

json data_hash_assertion(std::string_view hash, uint64_t start, uint64_t length) {
  return {{"exclusions", json::array({{{"start", start}, {"length", length}}})},
          {"name", "jumbf manifest"},
          {"alg", "sha256"},
          {"hash", json::binary(std::vector<uint8_t>(hash.begin(), hash.end()))},
          {"pad", json::binary(std::vector<uint8_t>{})}};
}

Status check_data_hash(std::string_view file, const json& binding) {
  if (!binding.is_object() || !binding.contains("hash") || !binding["hash"].is_binary())
    return corrupt_data("the data hash assertion has no hash");
  if (binding.value("alg", std::string("sha256")) != "sha256")
    return unsupported("the data hash uses an algorithm other than SHA-256");
  std::string kept;
  uint64_t at = 0;
  for (const auto& ex : binding.value("exclusions", json::array())) {
    const uint64_t start = ex.value("start", uint64_t(0)), length = ex.value("length", uint64_t(0));
    if (start < at || start > file.size() || length > file.size() - start)
      return corrupt_data("the data hash's exclusions fall outside the file");
    kept.append(file.substr(at, start - at));
    at = start + length;
  }
  kept.append(file.substr(at));
  const auto& want = binding["hash"].get_binary();
  if (sha256(kept) != std::string(want.begin(), want.end()))
    return corrupt_data("dataHash.mismatch: the file's bytes do not match its data hash");
  return ok_status();
}

}  // namespace fl::c2pa
