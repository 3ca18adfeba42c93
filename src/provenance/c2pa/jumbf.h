// JUMBF (ISO/IEC 19566-5), the box format a C2PA manifest store is written in: superboxes
// (`jumb`) that open with a description box (`jumd`: a type UUID and a label), then content
// boxes (`cbor`, `json`, `bfdb`, `bidb`) or more superboxes. Written and read here, following
// the C2PA 2.x specification §11 (the boxes are few and the format is simple; no library does it).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "framelock/status.h"

namespace fl::c2pa {

using BoxUuid = std::array<uint8_t, 16>;

// C2PA's JUMBF type UUIDs: four letters, then 0011-0010-8000-00AA00389B71 (ISO's suffix).
BoxUuid c2pa_uuid(std::string_view four_letters);
inline const BoxUuid kManifestStore = c2pa_uuid("c2pa");
inline const BoxUuid kManifest = c2pa_uuid("c2ma");
inline const BoxUuid kAssertionStore = c2pa_uuid("c2as");
inline const BoxUuid kClaim = c2pa_uuid("c2cl");
inline const BoxUuid kSignature = c2pa_uuid("c2cs");
inline const BoxUuid kCborContent = c2pa_uuid("cbor");
inline const BoxUuid kJsonContent = c2pa_uuid("json");

// A box: 32-bit big-endian size (header included), four-character type, payload.
std::string box(std::string_view type, std::string_view payload);

// A superbox whose description carries `uuid` and `label` (requestable, labelled), then `children`
// (each a whole box).
std::string superbox(const BoxUuid& uuid, std::string_view label,
                     const std::vector<std::string>& children);

// A superbox as read back. `raw` spans the whole box; `contents` everything after the superbox's
// own header (the description box and the children), which is what an assertion's hash covers.
struct Superbox {
  BoxUuid uuid{};
  std::string label;
  std::string_view raw;
  std::string_view contents;
  std::vector<Superbox> children;
  // Plain content boxes, in order: type and payload.
  std::vector<std::pair<std::string, std::string_view>> content;

  const Superbox* child(std::string_view label) const;
  // The payload of the first content box of `type`; empty when there is none.
  std::string_view content_of(std::string_view type) const;
};

// Parses one superbox at the start of `bytes` (the views point into `bytes`). Depth and sizes are
// checked: a damaged store is an error, never a crash.
Result<Superbox> parse_superbox(std::string_view bytes);

}  // namespace fl::c2pa
