// The table through which framelock_ffmpeg.so, the FFmpeg module, serves the clip readers and
// writers of io/ffmpeg/ffmpeg_io.h to the dispatch (io/dispatch). libavcodec alone brings about
// 130 libraries (every codec Debian builds in), which cost a start-up 60-90 ms to load and bind:
// a process that never opens a clip (`--version`, a plugin host scanning, a server waiting for
// its first request) never loads them (core/module_loader.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/module_loader.h"
#include "io/frame_sink.h"
#include "io/frame_source.h"

namespace fl::io::ffmpeg_module {

struct Table {
  static constexpr size_t kLayout =
      module_layout<MediaInfo, SourceOptions, SinkOptions, Image, Rgb48Image, Status>();
  ModuleStamp stamp{.layout = kLayout};
  Result<MediaInfo> (*probe)(const std::string& path) = nullptr;
  Result<std::unique_ptr<FrameSource>> (*open_source)(const std::string& path,
                                                      const SourceOptions& options) = nullptr;
  Result<std::unique_ptr<FrameSink>> (*open_sink)(const std::string& path,
                                                  const SinkOptions& options) = nullptr;
  Status (*join_segments)(const std::vector<std::string>& segments, const std::string& path,
                          const SinkOptions& options) = nullptr;
  Result<bool> (*segment_any_frame)(const std::string& path, const SinkOptions& options) = nullptr;
};

inline constexpr const char* kFile = "framelock_ffmpeg.so";
inline constexpr const char* kEntryName = "framelock_ffmpeg_module";  // its one exported symbol

}  // namespace fl::io::ffmpeg_module
