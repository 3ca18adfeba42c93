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
// join_segments() and segment_any_frame() of frame_sink.h for clips (not image sequences).
Status join_ffmpeg_segments(const std::vector<std::string>& segments, const std::string& path,
                            const SinkOptions& options);
Result<bool> ffmpeg_segment_any_frame(const std::string& path, const SinkOptions& options);

}  // namespace fl::io
