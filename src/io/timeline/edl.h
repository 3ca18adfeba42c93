// CMX3600 edit decision lists: the video events of one track as a Timeline.
//
// Read: TITLE, FCM (DROP FRAME / NON-DROP FRAME), event lines
//   001  REEL  V  C        00:00:00:00 00:00:04:00 01:00:00:00 01:00:04:00
// and the comments that follow an event: "* FROM CLIP NAME:", "* SOURCE FILE:" (the media path;
// framelock writes it), "*ASC_SOP (s s s)(o o o)(p p p)" and "*ASC_SAT s". Audio events are
// skipped, dissolves and wipes become cuts at their record in, "BL" (black) events are gaps;
// all three are noted in Timeline::warnings. Speed changes (M2) are not supported: their record
// and source durations differ, which is an error. Errors are corrupt_data
// "<name>: line <n>: <message>".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "io/timeline/timeline.h"

namespace fl::io {

// `name` is used in errors and as the title when the EDL has none; relative SOURCE FILE / FROM
// CLIP NAME paths resolve against base_dir. rate_hint {0, 1}: unknown (see read_timeline_file).
Result<Timeline> parse_edl(std::string_view text, std::string_view name,
                           const std::string& base_dir, Rational rate_hint);
// CMX3600 text. Names and paths are written on one line each (line breaks become spaces) and
// reels without blanks; a gap before a clip is written as a "BL" event.
std::string write_edl(const Timeline& timeline);

// "HH:MM:SS:FF" (';' before FF, or drop_frame, for drop-frame) as a frame count at `rate`;
// nullopt for anything malformed or out of range for the rate.
std::optional<int64_t> timecode_to_frames(std::string_view timecode, Rational rate,
                                          bool drop_frame);
// The inverse; drop-frame only for 29.97 / 59.94 (otherwise non-drop is written).
std::string frames_to_timecode(int64_t frames, Rational rate, bool drop_frame);

}  // namespace fl::io
