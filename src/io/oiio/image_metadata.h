// Metadata translation between image files (OIIO attribute values) and MediaInfo's vocabulary.
// Internal to src/io/oiio; plain types only so the rules are testable on their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "colour/transfer.h"
#include "framelock/media.h"

namespace fl::io::image_metadata {

// SMPTE 12M time-and-flags word (packed BCD, as EXR and DPX store "smpte:TimeCode") <->
// "hh:mm:ss:ff" (';' before the frames marks drop-frame).
std::string timecode_from_smpte(uint32_t time_and_flags);
std::optional<uint32_t> smpte_from_timecode(const std::string& timecode);
// `timecode` advanced by `frames` at `rate` (drop-frame aware); empty if it does not parse.
std::string add_frames(const std::string& timecode, int64_t frames, Rational rate);

// A float frame rate as a rational, recognising the NTSC family (23.976 -> 24000/1001).
Rational rational_from_fps(double fps);

// "oiio:ColorSpace" value -> FFmpeg colour_trc name; empty when we have no such curve (log).
std::string trc_from_oiio_colorspace(const std::string& colorspace);
// The "oiio:ColorSpace" value that describes data encoded with `t`.
std::string oiio_colorspace_for(colour::Transfer t);

}  // namespace fl::io::image_metadata
