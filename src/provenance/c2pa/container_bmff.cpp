// ISO BMFF (MP4, MOV): the store in the C2PA `uuid` box right after `ftyp`, and a BMFF hash
// (c2pa.hash.bmff.v3) over the file's top-level boxes, each preceded by its offset, with ftyp,
// the C2PA box, mfra, free and skip excluded (C2PA 2.x §A.5; c2pa-rs's default exclusions).
// Inserting the box moves everything after ftyp, so the chunk offsets in moov (stco, co64) are
// moved with it. The file is streamed: memory stays flat in its length (moov is read whole).
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "core/output_path.h"
#include "provenance/c2pa/container.h"
#include "provenance/c2pa/file_bytes.h"

namespace fl::c2pa {
namespace {

using nlohmann::json;

constexpr uint8_t kC2paUserType[16] = {0xd8, 0xfe, 0xc3, 0xd6, 0x1b, 0x0e, 0x48, 0x3c,
                                       0x92, 0x97, 0x58, 0x28, 0x87, 0x7e, 0xc4, 0x81};
// uuid box header (8) + usertype (16) + version/flags (4) + "manifest\0" (9) + aux offset (8).
constexpr size_t kC2paBoxOverhead = 45;

struct TopBox {
  uint64_t offset = 0, size = 0;
  int header = 8;
  std::string type;
  std::string usertype;  // uuid boxes
  bool is_c2pa() const {
    return type == "uuid" &&
           usertype == std::string(reinterpret_cast<const char*>(kC2paUserType), 16);
  }
};

class File {
 public:
  explicit File(const std::string& path) : f_(std::fopen(path.c_str(), "rb")) {}
  ~File() {
    if (f_) std::fclose(f_);
  }
  bool ok() const { return f_ != nullptr; }
  uint64_t size() {
    std::fseek(f_, 0, SEEK_END);
    return uint64_t(ftello(f_));
  }
  bool read(uint64_t at, void* out, size_t n) {
    return fseeko(f_, off_t(at), SEEK_SET) == 0 && std::fread(out, 1, n, f_) == n;
  }
  std::FILE* get() { return f_; }

 private:
  std::FILE* f_;
};

Result<std::vector<TopBox>> top_level_boxes(File& f, const std::string& path) {
  const uint64_t end = f.size();
  std::vector<TopBox> out;
  uint64_t at = 0;
  while (at < end) {
    uint8_t h[32];
    const size_t n = size_t(std::min<uint64_t>(32, end - at));
    if (n < 8 || !f.read(at, h, n))
      return corrupt_data(fmt::format("'{}': a box header at byte {} is cut short", path, at));
    TopBox b;
    b.offset = at;
    b.size = read_be(h, 4);
    b.type.assign(reinterpret_cast<char*>(h + 4), 4);
    if (b.size == 1) {
      if (n < 16) return corrupt_data(fmt::format("'{}': a 64-bit box size is cut short", path));
      b.size = read_be(h + 8, 8);
      b.header = 16;
    } else if (b.size == 0) {
      b.size = end - at;
    }
    if (b.size < uint64_t(b.header) || b.size > end - at)
      return corrupt_data(
          fmt::format("'{}': box '{}' at byte {} runs past the end of the file", path, b.type, at));
    if (b.type == "uuid" && b.size >= uint64_t(b.header) + 16)
      b.usertype.assign(reinterpret_cast<char*>(h + b.header), 16);
    out.push_back(b);
    at += b.size;
  }
  if (out.empty() || out.front().type != "ftyp")
    return corrupt_data(fmt::format("'{}' is not an ISO BMFF file (no ftyp first)", path));
  return out;
}

// Adds `delta` to every chunk offset in moov that points at or past `from` (stco, co64).
Status shift_chunk_offsets(std::string& box, size_t begin, size_t end, int64_t delta, uint64_t from,
                           int depth) {
  static const std::vector<std::string> kContainers{"moov", "trak", "mdia", "minf",
                                                    "stbl", "edts", "dinf"};
  if (depth > 8) return corrupt_data("moov: boxes nested too deep");
  size_t at = begin;
  while (at + 8 <= end) {
    auto* p = reinterpret_cast<uint8_t*>(box.data() + at);
    uint64_t size = read_be(p, 4);
    size_t header = 8;
    if (size == 1 && at + 16 <= end) size = read_be(p + 8, 8), header = 16;
    if (size < header || size > end - at) return corrupt_data("moov: a box runs past its parent");
    const std::string type(reinterpret_cast<char*>(p + 4), 4);
    if (std::find(kContainers.begin(), kContainers.end(), type) != kContainers.end()) {
      FL_RETURN_IF_ERROR(shift_chunk_offsets(box, at + header, at + size, delta, from, depth + 1));
    } else if (type == "stco" || type == "co64") {
      const int width = type == "stco" ? 4 : 8;
      if (size < header + 8) return corrupt_data("moov: a chunk offset table is cut short");
      const uint64_t count = read_be(p + header + 4, 4);
      if (count > (size - header - 8) / uint64_t(width))
        return corrupt_data("moov: a chunk offset table is cut short");
      for (uint64_t i = 0; i < count; ++i) {
        char* entry = box.data() + at + header + 8 + i * uint64_t(width);
        const uint64_t v = read_be(reinterpret_cast<uint8_t*>(entry), width);
        if (v < from) continue;
        const uint64_t moved = uint64_t(int64_t(v) + delta);
        if (width == 4 && moved > UINT32_MAX)
          return unsupported("moving the media data would overflow a 32-bit chunk offset (stco)");
        write_be(entry, moved, width);
      }
    }
    at += size;
  }
  return ok_status();
}

json bmff_hash_assertion(std::string_view hash) {
  const std::string usertype(reinterpret_cast<const char*>(kC2paUserType), 16);
  auto bin = [](std::string_view s) {
    return json::binary(std::vector<uint8_t>(s.begin(), s.end()));
  };
  return {{"exclusions",
           json::array({{{"xpath", "/uuid"},
                         {"data", json::array({{{"offset", 8}, {"value", bin(usertype)}}})}},
                        {{"xpath", "/ftyp"}},
                        {{"xpath", "/mfra"}},
                        {{"xpath", "/free"}},
                        {{"xpath", "/skip"}}})},
          {"alg", "sha256"},
          {"hash", bin(hash)},
          {"name", "jumbf manifest"}};
}

// The BMFF hash (v2 and later) puts each hashed box's offset, 64 bits big-endian, before it.
void hash_offset(Sha256Stream& hash, uint64_t offset) {
  std::string b;
  append_be(b, offset, 8);
  hash.update(b.data(), b.size());
}

// Whether an exclusion entry of a BMFF hash assertion takes this top-level box whole.
Result<bool> excluded(File& f, const TopBox& b, const json& exclusion) {
  const std::string xpath = exclusion.value("xpath", "");
  if (xpath.size() < 2 || xpath[0] != '/' || xpath.find('/', 1) != std::string::npos)
    return unsupported(
        fmt::format("BMFF hash exclusion '{}': only top-level boxes are checked", xpath));
  if (b.type != xpath.substr(1)) return false;
  if (exclusion.contains("subset"))
    return unsupported("BMFF hash exclusions with subsets are not checked");
  if (exclusion.contains("length") && exclusion["length"].get<uint64_t>() != b.size) return false;
  for (const auto& d : exclusion.value("data", json::array())) {
    const uint64_t off = d.value("offset", uint64_t(0));
    if (!d.contains("value") || !d["value"].is_binary())
      return corrupt_data("BMFF hash exclusion data has no value");
    const auto& want = d["value"].get_binary();
    if (off + want.size() > b.size) return false;
    std::string got(want.size(), '\0');
    if (!f.read(b.offset + off, got.data(), got.size()))
      return io_error("cannot read a box to check an exclusion");
    if (got != std::string(want.begin(), want.end())) return false;
  }
  return true;
}

}  // namespace

Status embed_bmff(const std::string& path, ManifestDefinition definition,
                  const SigningIdentity& signer) {
  File in(path);
  if (!in.ok()) return not_found(fmt::format("cannot read '{}'", path), path);
  FL_ASSIGN_OR_RETURN(std::vector<TopBox> boxes, top_level_boxes(in, path));
  for (const auto& b : boxes)
    if (b.type == "moof")
      return unsupported(
          fmt::format("'{}' is a fragmented MP4: manifests for fragments are not built yet", path));

  definition.assertions.push_back(
      {"c2pa.hash.bmff.v3", bmff_hash_assertion(std::string(32, '\0'))});
  // The ids are settled once the hash is known; they are as long whatever they are.
  ManifestDefinition sizing = definition;
  settle_ids(sizing, std::string(32, '\0'));
  FL_ASSIGN_OR_RETURN(size_t store_size, manifest_store_size(sizing, signer));
  const uint64_t c2pa_box_size = kC2paBoxOverhead + store_size;
  const uint64_t insert_at = boxes.front().size;  // right after ftyp
  uint64_t removed = 0;
  for (const auto& b : boxes)
    if (b.is_c2pa()) removed += b.size;
  const int64_t delta = int64_t(c2pa_box_size) - int64_t(removed);
  if (removed && boxes.size() > 1 && !boxes[1].is_c2pa())
    return unsupported(fmt::format("'{}' has a C2PA box that is not right after ftyp", path));

  const std::string tmp = temp_path_beside(path);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(tmp.c_str(), "w+b"), std::fclose);
  if (!out) return io_error(fmt::format("cannot create '{}'", tmp));
  auto fail = [&](Status st) {
    out.reset();
    std::remove(tmp.c_str());
    return st;
  };
  Sha256Stream hash;
  std::vector<char> buffer(1 << 20);
  uint64_t written = 0;
  for (const auto& b : boxes) {
    if (b.is_c2pa()) continue;
    if (b.type == "moov") {
      std::string moov(b.size, '\0');
      if (!in.read(b.offset, moov.data(), moov.size())) return fail(io_error("cannot read moov"));
      if (Status st = shift_chunk_offsets(moov, size_t(b.header), moov.size(), delta, insert_at, 0);
          !st.ok())
        return fail(st);
      hash_offset(hash, written);
      hash.update(moov.data(), moov.size());
      if (std::fwrite(moov.data(), 1, moov.size(), out.get()) != moov.size())
        return fail(io_error("cannot write " + tmp));
      written += moov.size();
      continue;
    }
    const bool hashed =
        b.type != "ftyp" && b.type != "mfra" && b.type != "free" && b.type != "skip";
    if (hashed) hash_offset(hash, written);
    for (uint64_t done = 0; done < b.size;) {
      const size_t n = size_t(std::min<uint64_t>(buffer.size(), b.size - done));
      if (!in.read(b.offset + done, buffer.data(), n))
        return fail(io_error(fmt::format("cannot read '{}'", path)));
      if (hashed) hash.update(buffer.data(), n);
      if (std::fwrite(buffer.data(), 1, n, out.get()) != n)
        return fail(io_error("cannot write " + tmp));
      done += n;
    }
    written += b.size;
    if (b.type == "ftyp") {  // the C2PA box's place, filled once the manifest is signed
      const std::string placeholder(c2pa_box_size, '\0');
      if (std::fwrite(placeholder.data(), 1, placeholder.size(), out.get()) != placeholder.size())
        return fail(io_error("cannot write " + tmp));
      written += c2pa_box_size;
    }
  }
  const std::string file_hash = hash.final();
  settle_ids(definition, file_hash);
  definition.assertions.back().data = bmff_hash_assertion(file_hash);
  auto store = build_manifest_store(definition, signer, store_size);
  if (!store.ok()) return fail(store.status());
  std::string c2pa_box;
  append_be(c2pa_box, c2pa_box_size, 4);
  c2pa_box += "uuid";
  c2pa_box.append(reinterpret_cast<const char*>(kC2paUserType), 16);
  c2pa_box.append(4, '\0');        // version 0, flags 0
  c2pa_box.append("manifest", 9);  // purpose, with its terminating NUL
  c2pa_box.append(8, '\0');        // no auxiliary (Merkle) boxes
  c2pa_box += *store;
  if (fseeko(out.get(), off_t(insert_at), SEEK_SET) != 0 ||
      std::fwrite(c2pa_box.data(), 1, c2pa_box.size(), out.get()) != c2pa_box.size() ||
      std::fflush(out.get()) != 0 || ::fsync(fileno(out.get())) != 0)
    return fail(io_error("cannot write " + tmp));
  out.reset();
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return io_error(fmt::format("cannot move the signed file into '{}'", path));
  }
  return ok_status();
}

Result<std::string> read_bmff_store(const std::string& path) {
  File in(path);
  if (!in.ok()) return not_found(fmt::format("cannot read '{}'", path), path);
  FL_ASSIGN_OR_RETURN(std::vector<TopBox> boxes, top_level_boxes(in, path));
  for (const auto& b : boxes) {
    if (!b.is_c2pa() || b.size < uint64_t(b.header) + 16 + 4 + 9 + 8) continue;
    std::string body(b.size - uint64_t(b.header) - 16, '\0');
    if (!in.read(b.offset + uint64_t(b.header) + 16, body.data(), body.size()))
      return io_error("cannot read the C2PA box");
    const size_t purpose_end = body.find('\0', 4);
    if (purpose_end == std::string::npos || body.substr(4, purpose_end - 4) != "manifest") continue;
    if (body.size() < purpose_end + 1 + 8) return corrupt_data("the C2PA box is cut short");
    return body.substr(purpose_end + 1 + 8);
  }
  return not_found("the file carries no C2PA manifest");
}

Status check_bmff_hash(const std::string& path, const std::string& label, const json& binding) {
  File in(path);
  if (!in.ok()) return not_found(fmt::format("cannot read '{}'", path), path);
  FL_ASSIGN_OR_RETURN(std::vector<TopBox> boxes, top_level_boxes(in, path));
  if (!binding.contains("hash") || !binding["hash"].is_binary())
    return unsupported("the BMFF hash has no file hash (Merkle trees are not checked)");
  if (binding.value("alg", std::string("sha256")) != "sha256")
    return unsupported("the BMFF hash uses an algorithm other than SHA-256");
  const json exclusions = binding.value("exclusions", json::array());
  if (exclusions.empty())
    return corrupt_data("assertion.bmffHash.malformed: the BMFF hash lists no exclusions");
  const bool with_offsets = label != "c2pa.hash.bmff";
  Sha256Stream hash;
  std::vector<char> buffer(1 << 20);
  for (const auto& b : boxes) {
    bool skip = false;
    for (const auto& ex : exclusions) {
      FL_ASSIGN_OR_RETURN(bool hit, excluded(in, b, ex));
      skip = skip || hit;
    }
    if (skip) continue;
    if (with_offsets) hash_offset(hash, b.offset);
    for (uint64_t done = 0; done < b.size;) {
      const size_t n = size_t(std::min<uint64_t>(buffer.size(), b.size - done));
      if (!in.read(b.offset + done, buffer.data(), n))
        return io_error(fmt::format("cannot read '{}'", path));
      hash.update(buffer.data(), n);
      done += n;
    }
  }
  const auto& want = binding["hash"].get_binary();
  if (hash.final() != std::string(want.begin(), want.end()))
    return corrupt_data("the file's boxes do not match its BMFF hash");
  return ok_status();
}

}  // namespace fl::c2pa
