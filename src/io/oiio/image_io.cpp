// The readers and writers of oiio_io.h and still_encode.h, served by framelock_oiio.so
// (oiio_module.h), which is loaded the first time an image is probed, read or written.
#include "io/oiio/image_paths.h"
#include "io/oiio/oiio_io.h"
#include "io/oiio/oiio_module.h"
#include "io/oiio/still_encode.h"

namespace fl::io {

namespace {

namespace m = oiio_module;

// Loaded once per process (core/module_loader.h).
Result<const m::Table*> module_table() {
  static const Result<const m::Table*> table =
      load_module<m::Table>(m::kFile, m::kEntryName, "reading and writing images");
  return table;
}

}  // namespace

bool is_image_path(const std::string& path) {
  // A pattern with an extension OIIO is not wired for here (`%04d.bmp`) is left to FFmpeg's
  // image2 demuxer by returning false.
  return image_paths::is_still_extension(image_paths::extension_of(path));
}

Result<std::vector<std::string>> sequence_files(const std::string& path, const SinkOptions& options,
                                                int64_t frames) {
  std::vector<std::string> files;
  if (!is_image_path(path) || !image_paths::looks_like_pattern(path)) return files;
  FL_ASSIGN_OR_RETURN(image_paths::SequencePattern pattern, image_paths::parse_pattern(path));
  const int64_t first = image_paths::first_written_number(options.source.first_frame);
  for (int64_t k = 0; k < frames; ++k) files.push_back(pattern.path(first + k));
  return files;
}

Result<MediaInfo> probe_image(const std::string& path) {
  FL_ASSIGN_OR_RETURN(const m::Table* t, module_table());
  return t->probe(path);
}

Result<std::unique_ptr<FrameSource>> open_image_source(const std::string& path,
                                                       const SourceOptions& options) {
  FL_ASSIGN_OR_RETURN(const m::Table* t, module_table());
  return t->open_source(path, options);
}

Result<std::unique_ptr<FrameSink>> open_image_sink(const std::string& path,
                                                   const SinkOptions& options) {
  FL_ASSIGN_OR_RETURN(const m::Table* t, module_table());
  return t->open_sink(path, options);
}

Result<std::string> encode_still(const uint8_t* rgb, int width, int height,
                                 const StillEncoding& encoding) {
  FL_ASSIGN_OR_RETURN(const m::Table* t, module_table());
  return t->encode_still8(rgb, width, height, encoding);
}

Result<std::string> encode_still(const uint16_t* rgb, int width, int height,
                                 const StillEncoding& encoding) {
  FL_ASSIGN_OR_RETURN(const m::Table* t, module_table());
  return t->encode_still16(rgb, width, height, encoding);
}

}  // namespace fl::io
