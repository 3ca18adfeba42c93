// An EDL or OTIO timeline (io/timeline) played as one source: its clips' frames in record order,
// gaps as black, every frame at the size of the first clip.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/frame_source.h"

namespace fl::io {

// Reads the timeline and checks every clip before the first frame is asked for: each must name
// media that exists, opens, and holds the source frames the edit uses (errors name the clip
// and the path). An EDL's frame rate is taken from its first clip's media. MediaInfo is the
// first clip's, with the timeline's path, rate, length and record start timecode, and container
// "edl" or "otio". Clips are opened one at a time when their frames are read.
Result<std::unique_ptr<FrameSource>> open_timeline_source(const std::string& path,
                                                          const SourceOptions& options);

}  // namespace fl::io
