// Where a manifest store lives in each kind of file, and the hard binding that ties it to the
// file's bytes (C2PA 2.x §9.2, §A): PNG (`caBX` chunk, data hash), JPEG (APP11 segments, data
// hash), ISO BMFF: MP4/MOV (the C2PA `uuid` box, BMFF hash). Others get a sidecar.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "framelock/status.h"
#include "provenance/c2pa/manifest.h"

namespace fl::c2pa {

enum class Container { kPng, kJpeg, kBmff };

// From the file's first bytes; nullopt for a format that takes a sidecar.
std::optional<Container> detect_container(const std::string& path);
std::string_view container_mime(Container c, const std::string& path);

// Adds the hard binding to `definition`, signs it, and puts the store into the file at `path`
// (through a temp file and a rename: the file is either as it was or complete). A store the file
// already had is replaced.
Status embed_manifest(const std::string& path, Container container, ManifestDefinition definition,
                      const SigningIdentity& signer);

// Formats that cannot carry a store (EXR, DPX, MXF, MKV, ...) get one beside them, in
// `<path>.c2pa`, bound to the whole file by a data hash with no exclusions.
std::string sidecar_path(const std::string& path);
Status write_sidecar(const std::string& path, ManifestDefinition definition,
                     const SigningIdentity& signer);

// An image sequence (`shot.%04d.exr`, `shot.####.dpx`) gets one sidecar for all its files,
// `shot.c2pa` beside them, bound by a collection data hash (c2pa.hash.collection.data, C2PA 2.2
// §18.8.2): each file's SHA-256 and size, named relative to the sidecar's folder.
// is_sequence_pattern: a '%' or '#' in the file name, for a path a user names (the reader tries
// an existing file first); what a render wrote as a sequence is OutputRecord::files.
bool is_sequence_pattern(const std::string& path);
std::string sequence_sidecar_path(const std::string& pattern);
Status write_collection_sidecar(const std::string& sidecar, const std::vector<std::string>& files,
                                ManifestDefinition definition, const SigningIdentity& signer);
// A collection hash checked against the files beside `sidecar`: the C2PA code that answers
// (assertion.collectionHash.match, .mismatch, .incorrectFileCount, .invalidURI, .malformed).
struct BindingVerdict {
  std::string code;
  std::string explanation;
  bool ok() const { return code.ends_with(".match"); }
};
BindingVerdict check_collection_hash(const std::string& sidecar, const nlohmann::json& binding);

// The media type for a file name ("image/x-exr", "video/mp4"); application/octet-stream when
// unknown.
std::string_view mime_for_path(const std::string& path);

// A file's store, as embedded; not_found when it has none.
Result<std::string> read_embedded_store(const std::string& path, Container container);
// Checks the hard-binding assertion (its label, and its CBOR decoded to JSON) against the file's
// bytes as they are now.
// `container` nullopt: a sidecar's binding.
Status check_hard_binding(const std::string& path, std::optional<Container> container,
                          const std::string& label, const nlohmann::json& binding);

// Shared by the containers: the data-hash assertion (c2pa.hash.data) over `bytes` minus one
// excluded range.
nlohmann::json data_hash_assertion(std::string_view hash, uint64_t start, uint64_t length);
Status check_data_hash(std::string_view file, const nlohmann::json& binding);

// Per container (container_png.cpp, container_jpeg.cpp, container_bmff.cpp).
Status embed_png(const std::string& path, ManifestDefinition definition,
                 const SigningIdentity& signer);
Result<std::string> read_png_store(std::string_view file);
Status embed_jpeg(const std::string& path, ManifestDefinition definition,
                  const SigningIdentity& signer);
Result<std::string> read_jpeg_store(std::string_view file);
Status embed_bmff(const std::string& path, ManifestDefinition definition,
                  const SigningIdentity& signer);
Result<std::string> read_bmff_store(const std::string& path);
Status check_bmff_hash(const std::string& path, const std::string& label,
                       const nlohmann::json& binding);

}  // namespace fl::c2pa
