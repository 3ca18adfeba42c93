// The table through which framelock_oiio.so, the OpenImageIO module, serves the readers and
// writers of oiio_io.h and still_encode.h. OpenImageIO brings about 110 libraries of its own
// (GDAL, DCMTK, HDF5, OpenCV's videoio...), whose loading and symbol binding cost every start-up
// more than half a second: image_io.cpp loads the module when an image is first read or written,
// so `framelock --version`, a clip-to-clip render and a plugin host's load never pay for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/module_loader.h"
#include "io/frame_sink.h"
#include "io/frame_source.h"
#include "io/oiio/still_encode.h"

namespace fl::io::oiio_module {

struct Table {
  static constexpr size_t kLayout =
      module_layout<MediaInfo, SourceOptions, SinkOptions, Image, Status, StillEncoding>();
  ModuleStamp stamp{.layout = kLayout};
  Result<MediaInfo> (*probe)(const std::string& path) = nullptr;
  Result<std::unique_ptr<FrameSource>> (*open_source)(const std::string& path,
                                                      const SourceOptions& options) = nullptr;
  Result<std::unique_ptr<FrameSink>> (*open_sink)(const std::string& path,
                                                  const SinkOptions& options) = nullptr;
  Result<std::string> (*encode_still8)(const uint8_t* rgb, int width, int height,
                                       const StillEncoding& encoding) = nullptr;
  Result<std::string> (*encode_still16)(const uint16_t* rgb, int width, int height,
                                        const StillEncoding& encoding) = nullptr;
};

// The module's side (oiio_source.cpp, oiio_sink.cpp, still_encode.cpp).
Result<MediaInfo> probe(const std::string& path);
Result<std::unique_ptr<FrameSource>> open_source(const std::string& path,
                                                 const SourceOptions& options);
Result<std::unique_ptr<FrameSink>> open_sink(const std::string& path, const SinkOptions& options);
Result<std::string> encode_still8(const uint8_t* rgb, int width, int height,
                                  const StillEncoding& encoding);
Result<std::string> encode_still16(const uint16_t* rgb, int width, int height,
                                   const StillEncoding& encoding);

inline constexpr const char* kFile = "framelock_oiio.so";
inline constexpr const char* kEntryName = "framelock_oiio_module";  // its one exported symbol

}  // namespace fl::io::oiio_module
