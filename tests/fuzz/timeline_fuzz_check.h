// Checks shared by the EDL and OTIO fuzz targets: what a parser returns must be a well-formed
// timeline, and writing it in either format must read back to the same edit.
#pragma once

#include <cstdlib>

#include "io/timeline/edl.h"
#include "io/timeline/otio.h"

namespace fl::io::fuzz {

inline void check_well_formed(const Timeline& t) {
  if (t.rate.num <= 0 || t.rate.den <= 0) std::abort();
  int64_t end = 0;
  for (const TimelineClip& c : t.clips) {
    if (c.record_in < end || c.duration() <= 0 || c.source_in < 0) std::abort();
    end = c.record_out();
  }
  if (t.start < 0) std::abort();
}

inline bool same_timing(const Timeline& a, const Timeline& b) {
  if (a.rate != b.rate || a.start != b.start || a.clips.size() != b.clips.size()) return false;
  for (size_t i = 0; i < a.clips.size(); ++i) {
    const TimelineClip &x = a.clips[i], &y = b.clips[i];
    if (x.source_in != y.source_in || x.source_out != y.source_out || x.record_in != y.record_in ||
        x.cdl != y.cdl) {
      return false;
    }
  }
  return true;
}

inline bool same_edit(const Timeline& a, const Timeline& b) {
  if (!same_timing(a, b) || a.name != b.name || a.drop_frame != b.drop_frame) return false;
  for (size_t i = 0; i < a.clips.size(); ++i) {
    const TimelineClip &x = a.clips[i], &y = b.clips[i];
    if (x.name != y.name || x.reel != y.reel || x.path != y.path) return false;
  }
  return true;
}

// Writes `t` as EDL and as OTIO and reads both back. `native_edl` says which format `t` came
// from: that one must round-trip exactly (names, paths and reels included); the other keeps
// the timing (names may be changed to fit: EDL lines, UTF-8 JSON).
inline void check_round_trips(const Timeline& t, bool native_edl) {
  check_well_formed(t);
  const std::string edl = write_edl(t);
  const bool edl_rate_ok = t.rate.to_double() >= 1 && t.rate.to_double() <= 1000;
  if (edl_rate_ok) {
    auto again = parse_edl(edl, "again.edl", "", t.rate);
    if (!again.ok() || !same_timing(t, *again)) std::abort();
    if (native_edl && (!same_edit(t, *again) || write_edl(*again) != edl)) std::abort();
  } else if (native_edl) {
    std::abort();  // the EDL parser only hands out rates it accepts
  }
  const std::string otio = write_otio(t);
  auto again = parse_otio(otio, "again.otio", "");
  if (!again.ok() || !same_timing(t, *again)) std::abort();
  if (!native_edl && (!same_edit(t, *again) || write_otio(*again) != otio)) std::abort();
}

}  // namespace fl::io::fuzz
