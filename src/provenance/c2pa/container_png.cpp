// PNG: the store in a `caBX` chunk right after IHDR; a data hash over the file with that chunk
// (length, type, data and CRC) excluded.
#include <zlib.h>

#include <fmt/format.h>

#include "provenance/c2pa/container.h"
#include "provenance/c2pa/file_bytes.h"

namespace fl::c2pa {
namespace {

constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);

struct Chunk {
  size_t offset, size;  // the whole chunk: length, type, data, CRC
  std::string type;
};

Result<std::vector<Chunk>> chunks_of(std::string_view file) {
  if (file.substr(0, 8) != kPngSignature) return corrupt_data("not a PNG file");
  std::vector<Chunk> out;
  size_t at = 8;
  while (at < file.size()) {
    if (file.size() - at < 12)
      return corrupt_data(fmt::format("PNG: a chunk at byte {} is cut short", at));
    const uint64_t size = read_be(file.data() + at, 4) + 12;
    if (size > file.size() - at)
      return corrupt_data(fmt::format("PNG: the chunk at byte {} runs past the end", at));
    out.push_back({at, size_t(size), std::string(file.substr(at + 4, 4))});
    at += size;
    if (out.back().type == "IEND") break;
  }
  if (out.empty() || out.front().type != "IHDR")
    return corrupt_data("PNG: the first chunk is not IHDR");
  return out;
}

std::string chunk(std::string_view type, std::string_view data) {
  std::string out;
  append_be(out, data.size(), 4);
  out.append(type);
  out.append(data);
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(type.data()), 4);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), uInt(data.size()));
  append_be(out, crc, 4);
  return out;
}

}  // namespace

Status embed_png(const std::string& path, ManifestDefinition definition,
                 const SigningIdentity& signer) {
  FL_ASSIGN_OR_RETURN(std::string file, read_file_bytes(path));
  FL_ASSIGN_OR_RETURN(std::vector<Chunk> chunks, chunks_of(file));
  // The file without any store it had, split where the new chunk goes.
  const Chunk& ihdr = chunks.front();
  std::string head(file.substr(0, ihdr.offset + ihdr.size)), tail;
  for (size_t i = 1; i < chunks.size(); ++i)
    if (chunks[i].type != "caBX") tail.append(file, chunks[i].offset, chunks[i].size);
  const std::string hash = sha256(head + tail);
  settle_ids(definition, hash);

  definition.assertions.push_back(
      {"c2pa.hash.data", data_hash_assertion(hash, head.size(), UINT32_MAX)});
  FL_ASSIGN_OR_RETURN(size_t reserve, manifest_store_size(definition, signer));
  definition.assertions.back().data = data_hash_assertion(hash, head.size(), reserve + 12);
  FL_ASSIGN_OR_RETURN(std::string store, build_manifest_store(definition, signer, reserve));
  return write_file_atomically(path, head + chunk("caBX", store) + tail);
}

Result<std::string> read_png_store(std::string_view file) {
  FL_ASSIGN_OR_RETURN(std::vector<Chunk> chunks, chunks_of(file));
  for (const auto& c : chunks)
    if (c.type == "caBX") return std::string(file.substr(c.offset + 8, c.size - 12));
  return not_found("the PNG carries no C2PA manifest");
}

}  // namespace fl::c2pa
