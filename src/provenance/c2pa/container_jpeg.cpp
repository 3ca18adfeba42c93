// JPEG: the store in APP11 segments (JPEG XT's JUMBF carriage, ISO/IEC 18477-3), each holding up
// to 64000 bytes of it, after the last APP0; a data hash over the file with those segments
// excluded (one range: they are contiguous).
#include <fmt/format.h>

#include "provenance/c2pa/container.h"
#include "provenance/c2pa/file_bytes.h"

namespace fl::c2pa {
namespace {

constexpr size_t kChunk = 64000;
constexpr uint16_t kBoxInstance = 0x0211;

struct Segment {
  size_t offset, size;  // marker included
  uint8_t marker;
};

// The marker segments before the scan; the rest (SOS onwards) is copied as it is.
Result<std::vector<Segment>> segments_of(std::string_view file, size_t& scan_start) {
  if (file.size() < 4 || uint8_t(file[0]) != 0xFF || uint8_t(file[1]) != 0xD8)
    return corrupt_data("not a JPEG file");
  std::vector<Segment> out;
  size_t at = 2;
  while (true) {
    if (at + 4 > file.size())
      return corrupt_data(fmt::format("JPEG: the markers run past the end at byte {}", at));
    if (uint8_t(file[at]) != 0xFF)
      return corrupt_data(fmt::format("JPEG: expected a marker at byte {}", at));
    const uint8_t marker = uint8_t(file[at + 1]);
    if (marker == 0xDA || marker == 0xD9) break;  // start of scan, or end of image
    const size_t size = 2 + read_be(file.data() + at + 2, 2);
    if (size < 4 || at + size > file.size())
      return corrupt_data(fmt::format("JPEG: the segment at byte {} runs past the end", at));
    out.push_back({at, size, marker});
    at += size;
  }
  scan_start = at;
  return out;
}

bool is_jumbf(std::string_view file, const Segment& s) {
  return s.marker == 0xEB && s.size >= 12 && file.substr(s.offset + 4, 2) == "JP";
}

bool is_c2pa_first(std::string_view file, const Segment& s) {
  return is_jumbf(file, s) && s.size >= 32 && file.substr(s.offset + 4 + 24, 4) == "c2pa";
}

std::string app11_segments(std::string_view store) {
  std::string out;
  uint32_t sequence = 1;
  for (size_t at = 0; at < store.size() || at == 0; at += kChunk, ++sequence) {
    const std::string_view chunk = store.substr(at, kChunk);
    std::string contents = "JP";
    append_be(contents, kBoxInstance, 2);
    append_be(contents, sequence, 4);
    if (at > 0)
      contents.append(store.substr(0, 8));  // a continuation repeats the store's box header
    contents.append(chunk);
    out += "\xFF\xEB";
    append_be(out, uint32_t(contents.size() + 2), 2);
    out += contents;
    if (store.empty()) break;
  }
  return out;
}

}  // namespace

Status embed_jpeg(const std::string& path, ManifestDefinition definition,
                  const SigningIdentity& signer) {
  FL_ASSIGN_OR_RETURN(std::string file, read_file_bytes(path));
  size_t scan = 0;
  FL_ASSIGN_OR_RETURN(std::vector<Segment> segments, segments_of(file, scan));
  std::vector<uint16_t> c2pa_instances;
  for (const auto& s : segments)
    if (is_c2pa_first(file, s))
      c2pa_instances.push_back(uint16_t(read_be(file.data() + s.offset + 6, 2)));
  // After the last APP0 (JFIF must stay first), else right after SOI.
  size_t insert_after = 2;
  for (const auto& s : segments)
    if (s.marker == 0xE0) insert_after = s.offset + s.size;
  std::string head(file.substr(0, 2)), tail;
  for (const auto& s : segments) {
    const bool old_store =
        is_jumbf(file, s) &&
        std::find(c2pa_instances.begin(), c2pa_instances.end(),
                  uint16_t(read_be(file.data() + s.offset + 6, 2))) != c2pa_instances.end();
    if (old_store) continue;
    (s.offset < insert_after ? head : tail).append(file, s.offset, s.size);
  }
  tail.append(file, scan, std::string::npos);
  const std::string hash = sha256(head + tail);
  settle_ids(definition, hash);

  definition.assertions.push_back(
      {"c2pa.hash.data", data_hash_assertion(hash, head.size(), UINT32_MAX)});
  FL_ASSIGN_OR_RETURN(size_t reserve, manifest_store_size(definition, signer));
  const size_t segments_size = app11_segments(std::string(reserve, '\0')).size();
  definition.assertions.back().data = data_hash_assertion(hash, head.size(), segments_size);
  FL_ASSIGN_OR_RETURN(std::string store, build_manifest_store(definition, signer, reserve));
  return write_file_atomically(path, head + app11_segments(store) + tail);
}

Result<std::string> read_jpeg_store(std::string_view file) {
  size_t scan = 0;
  FL_ASSIGN_OR_RETURN(std::vector<Segment> segments, segments_of(file, scan));
  std::string store;
  bool found = false;
  uint32_t instance = 0, next = 0;
  for (const auto& s : segments) {
    if (!found && is_c2pa_first(file, s)) {
      found = true;
      instance = read_be(file.data() + s.offset + 6, 2);
      next = read_be(file.data() + s.offset + 8, 4) + 1;
      store.append(file, s.offset + 12, s.size - 12);
    } else if (found && is_jumbf(file, s) && read_be(file.data() + s.offset + 6, 2) == instance) {
      if (read_be(file.data() + s.offset + 8, 4) != next++ || s.size < 20)
        return corrupt_data("JPEG: the C2PA segments are out of order");
      store.append(file, s.offset + 20, s.size - 20);
    }
  }
  if (!found) return not_found("the JPEG carries no C2PA manifest");
  return store;
}

}  // namespace fl::c2pa
