// Timelines (CMX3600 EDL, OpenTimelineIO JSON) as a flat list of cuts on one video track: the
// part of an edit that a conform needs to pull frames from media. Audio, effects, speed changes
// and extra video tracks are not modelled; the parsers skip them and say so in `warnings`.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "framelock/media.h"
#include "framelock/status.h"

namespace fl::io {

// An ASC CDL carried by an event (EDL *ASC_SOP / *ASC_SAT, OTIO metadata.cdl). Kept here rather
// than as colour::Cdl so that this layer (and its fuzzers) link nothing but fl_core.
struct ClipCdl {
  std::array<double, 3> slope{1, 1, 1}, offset{0, 0, 0}, power{1, 1, 1};
  double saturation = 1;
  bool operator==(const ClipCdl&) const = default;
};

struct TimelineClip {
  std::string name;  // EDL FROM CLIP NAME, OTIO clip name
  std::string reel;  // EDL reel ("AX" when none); OTIO metadata.cmx_3600.reel
  std::string path;  // resolved media path; empty when the timeline does not say
  // Source frames [source_in, source_out) in frames of the timeline rate, counted the way the
  // timeline counts them (EDL: source timecode as frames, so 01:00:00:00 at 24 fps is 86400).
  int64_t source_in = 0;
  int64_t source_out = 0;
  // First frame on the timeline, counted from Timeline::start (the first frame is 0).
  int64_t record_in = 0;
  std::optional<ClipCdl> cdl;

  int64_t duration() const { return source_out - source_in; }
  int64_t record_out() const { return record_in + duration(); }
  bool operator==(const TimelineClip&) const = default;
};

struct Timeline {
  std::string name;
  Rational rate{24, 1};
  // Record timecode of frame 0 as a frame count (EDL: the first event's record in; OTIO:
  // global_start_time), so that writing the timeline back gives the same timecodes. 0 when
  // there are no clips.
  int64_t start = 0;
  // Timecodes are drop-frame (29.97 / 59.94 only).
  bool drop_frame = false;
  // Clips sorted by record_in, never overlapping; a record_in past the previous clip's
  // record_out is a gap, rendered black.
  std::vector<TimelineClip> clips;
  // What was read but ignored or simplified (transitions as cuts, audio, extra tracks).
  std::vector<std::string> warnings;

  // Record frames the timeline runs when it ends in a gap (an OTIO track's trailing gap, or its
  // trimmed length); 0: it ends with its last clip.
  int64_t end = 0;

  int64_t duration() const {
    return std::max(end, clips.empty() ? int64_t(0) : clips.back().record_out());
  }
};

// Reads a .edl or .otio file (by extension, case-insensitive). Relative media paths resolve
// against the file's directory. `rate_hint` is the EDL's frame rate (EDLs do not record one;
// {0, 1} when unknown, then 24 fps, or 29.97 for drop-frame); OTIO files carry their own.
// not_found / permission_denied name the file; parse errors are as parse_edl / parse_otio.
Result<Timeline> read_timeline_file(const std::string& path, Rational rate_hint = {0, 1});

// True for paths ending in .edl or .otio (case-insensitive).
bool is_timeline_path(const std::string& path);

namespace timeline_detail {
// Joins a relative media path to base_dir (unchanged when absolute or base_dir is empty).
std::string resolve_path(const std::string& path, const std::string& base_dir);
// Exact rate for a frame-rate number written as a double (23.976023976 -> 24000/1001).
std::optional<Rational> rate_from_double(double rate);
Rational reduce(Rational r);
// Shortest text that reads back as the same double.
std::string format_number(double v);
}  // namespace timeline_detail

}  // namespace fl::io
