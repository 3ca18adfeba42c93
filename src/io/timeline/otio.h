// OpenTimelineIO JSON (.otio): Timeline.1 -> tracks (Stack.1) -> Track.1 -> Clip.1 / Clip.2,
// Gap.1 and Transition.1, read into a Timeline.
//
// The first video track is the edit (more are noted in Timeline::warnings); audio tracks are
// ignored, transitions become cuts, disabled items become gaps. Media comes from the clip's
// ExternalReference.1 target_url (a plain path, relative to base_dir, or a percent-encoded
// file:// URL); Clip.2 picks it from media_references by active_media_reference_key. A clip's
// grade is read from metadata.cdl as OTIO's CDL adapters write it ({"asc_sop": {"slope",
// "offset", "power"}, "asc_sat"}) and its reel from metadata.cmx_3600.reel. Times are converted
// to frames at the timeline's rate, which is the rate of the first video item's duration.
// Errors are corrupt_data "<name>: <field path>: <message>" with the path also in
// Status::field(), e.g. "cut.otio: tracks.children[0].children[2].source_range: missing".
#pragma once

#include <string>
#include <string_view>

#include "io/timeline/timeline.h"

namespace fl::io {

Result<Timeline> parse_otio(std::string_view text, std::string_view name,
                            const std::string& base_dir);
// OTIO JSON that OpenTimelineIO itself reads: one video track of Clip.2 (ExternalReference.1 with
// a file:// URL for absolute paths, MissingReference.1 when a clip has no path) and Gap.1.
std::string write_otio(const Timeline& timeline);

}  // namespace fl::io
