#include "provenance/c2pa/jumbf.h"

#include <fmt/format.h>

#include "provenance/c2pa/file_bytes.h"

namespace fl::c2pa {
namespace {

constexpr int kMaxDepth = 16;

// One box at `at`: its type and payload. Sizes 0 (to the end) and 1 (64-bit) are legal JUMBF.
Status next_box(std::string_view bytes, size_t at, std::string& type, std::string_view& payload,
                size_t& size) {
  if (bytes.size() - at < 8)
    return corrupt_data(fmt::format("JUMBF: a box header at byte {} is cut short", at));
  uint64_t length = read_be(bytes.data() + at, 4);
  type.assign(bytes.substr(at + 4, 4));
  size_t header = 8;
  if (length == 1) {
    if (bytes.size() - at < 16) return corrupt_data("JUMBF: a 64-bit box size is cut short");
    length = read_be(bytes.data() + at + 8, 8);
    header = 16;
  } else if (length == 0) {
    length = bytes.size() - at;
  }
  if (length < header || length > bytes.size() - at)
    return corrupt_data(fmt::format("JUMBF: box '{}' at byte {} claims {} bytes, {} remain", type,
                                    at, length, bytes.size() - at));
  payload = bytes.substr(at + header, size_t(length) - header);
  size = size_t(length);
  return ok_status();
}

Result<Superbox> parse_at(std::string_view bytes, int depth) {
  if (depth > kMaxDepth) return corrupt_data("JUMBF: superboxes nested too deep");
  std::string type;
  std::string_view payload;
  size_t size = 0;
  FL_RETURN_IF_ERROR(next_box(bytes, 0, type, payload, size));
  if (type != "jumb")
    return corrupt_data(fmt::format("JUMBF: expected a superbox, found '{}'", type));
  Superbox out;
  out.raw = bytes.substr(0, size);
  out.contents = payload;
  size_t at = 0;
  std::string_view description;
  FL_RETURN_IF_ERROR(next_box(payload, at, type, description, size));
  if (type != "jumd") return corrupt_data("JUMBF: a superbox does not open with its description");
  if (description.size() < 17) return corrupt_data("JUMBF: a description box is cut short");
  for (size_t i = 0; i < 16; ++i) out.uuid[i] = uint8_t(description[i]);
  const uint8_t toggles = uint8_t(description[16]);
  if (toggles & 0x02) {
    const size_t end = description.find('\0', 17);
    if (end == std::string_view::npos) return corrupt_data("JUMBF: a label is not terminated");
    out.label.assign(description.substr(17, end - 17));
  }
  at += size;
  while (at < payload.size()) {
    std::string_view child;
    FL_RETURN_IF_ERROR(next_box(payload, at, type, child, size));
    if (type == "jumb") {
      FL_ASSIGN_OR_RETURN(Superbox sub, parse_at(payload.substr(at, size), depth + 1));
      out.children.push_back(std::move(sub));
    } else {
      out.content.emplace_back(type, child);
    }
    at += size;
  }
  return out;
}

}  // namespace

BoxUuid c2pa_uuid(std::string_view four_letters) {
  BoxUuid id{0, 0, 0, 0, 0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
  for (size_t i = 0; i < 4 && i < four_letters.size(); ++i) id[i] = uint8_t(four_letters[i]);
  return id;
}

std::string box(std::string_view type, std::string_view payload) {
  std::string out;
  out.reserve(8 + payload.size());
  append_be(out, 8 + payload.size(), 4);
  out.append(type.substr(0, 4));
  out.append(payload);
  return out;
}

std::string superbox(const BoxUuid& uuid, std::string_view label,
                     const std::vector<std::string>& children) {
  std::string description(reinterpret_cast<const char*>(uuid.data()), uuid.size());
  description.push_back(char(0x03));  // requestable, label present
  description.append(label);
  description.push_back('\0');
  std::string payload = box("jumd", description);
  for (const auto& c : children) payload += c;
  return box("jumb", payload);
}

const Superbox* Superbox::child(std::string_view wanted) const {
  for (const auto& c : children)
    if (c.label == wanted) return &c;
  return nullptr;
}

std::string_view Superbox::content_of(std::string_view type) const {
  for (const auto& [t, payload] : content)
    if (t == type) return payload;
  return {};
}

Result<Superbox> parse_superbox(std::string_view bytes) { return parse_at(bytes, 0); }

}  // namespace fl::c2pa
