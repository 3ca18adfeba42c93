// Stills and image sequences through OpenImageIO (no OIIO types here).
#pragma once

#include "io/frame_sink.h"
#include "io/frame_source.h"

namespace fl::io {

// True for still-image extensions (.exr .dpx .tif .tiff .png .jpg .jpeg) and for sequence
// patterns (`shot.%04d.exr`, `shot.####.exr`).
bool is_image_path(const std::string& path);

Result<MediaInfo> probe_image(const std::string& path);
Result<std::unique_ptr<FrameSource>> open_image_source(const std::string& path,
                                                       const SourceOptions& options);
Result<std::unique_ptr<FrameSink>> open_image_sink(const std::string& path,
                                                   const SinkOptions& options);

}  // namespace fl::io
