// The only header through which the rest of framelock reaches FFmpeg (no libav* types here).
#pragma once

#include "io/frame_sink.h"
#include "io/frame_source.h"

namespace fl::io {

Result<MediaInfo> probe_ffmpeg(const std::string& path);
Result<std::unique_ptr<FrameSource>> open_ffmpeg_source(const std::string& path,
                                                        const SourceOptions& options);
Result<std::unique_ptr<FrameSink>> open_ffmpeg_sink(const std::string& path,
                                                    const SinkOptions& options);

}  // namespace fl::io
