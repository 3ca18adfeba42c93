// Picks the reader/writer for a path: OpenImageIO for stills and sequences, FFmpeg for clips.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <initializer_list>

#include "io/dispatch/timeline_source.h"
#include "io/ffmpeg_module.h"
#include "io/oiio/image_metadata.h"
#include "io/oiio/oiio_io.h"
#include "io/timeline/timeline.h"

namespace fl::io {

namespace {

class NullSink final : public FrameSink {
 public:
  NullSink(int w, int h, colour::Transfer transfer) : width_(w), height_(h), transfer_(transfer) {}
  Status write(const Image& frame) override {
    if (frame.width() != width_ || frame.height() != height_)
      return invalid_argument("null sink: frame size changed");
    return ok_status();
  }
  // Accepts code values in any transfer: nothing is encoded.
  bool writes_rgb48() const override { return true; }
  colour::Transfer transfer() const override { return transfer_; }
  Status write_rgb48(const Rgb48Image& frame) override {
    if (frame.width() != width_ || frame.height() != height_)
      return invalid_argument("null sink: frame size changed");
    return ok_status();
  }
  Status finish() override { return ok_status(); }
  void abort() override {}
  std::string temp_path() const override { return {}; }

 private:
  int width_, height_;
  colour::Transfer transfer_;
};

// The still-image format a file's first bytes announce, or nullptr. A JPEG named .mov would
// otherwise reach FFmpeg's image demuxer and come out as a one-frame clip that no frame range
// fits; the user is better told what the file is.
const char* still_format_by_content(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return nullptr;  // the reader that opens it says why
  unsigned char b[8] = {};
  const size_t n = std::fread(b, 1, sizeof b, f);
  std::fclose(f);
  auto starts = [&](std::initializer_list<unsigned char> magic) {
    if (n < magic.size()) return false;
    size_t i = 0;
    for (unsigned char m : magic)
      if (b[i++] != m) return false;
    return true;
  };
  if (starts({0xFF, 0xD8, 0xFF})) return "a JPEG image";
  if (starts({0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})) return "a PNG image";
  if (starts({'I', 'I', 0x2A, 0x00}) || starts({'M', 'M', 0x00, 0x2A})) return "a TIFF image";
  if (starts({0x76, 0x2F, 0x31, 0x01})) return "an OpenEXR image";
  if (starts({'S', 'D', 'P', 'X'}) || starts({'X', 'P', 'D', 'S'})) return "a DPX image";
  return nullptr;
}

// FFmpeg is loaded the first time a clip is opened (io/ffmpeg_module.h).
Result<const ffmpeg_module::Table*> ffmpeg() {
  static const Result<const ffmpeg_module::Table*> table = load_module<ffmpeg_module::Table>(
      ffmpeg_module::kFile, ffmpeg_module::kEntryName, "reading and writing clips");
  return table;
}

Status refuse_misnamed_still(const std::string& path) {
  if (const char* what = still_format_by_content(path))
    return unsupported("'" + path + "' is " + what + ", not a clip, by its content: give it " +
                       "the image's own extension (.jpg, .png, .tif, .exr, .dpx) to read it as a " +
                       "still");
  return ok_status();
}

}  // namespace

std::string add_timecode_frames(const std::string& timecode, int64_t frames, Rational rate) {
  return image_metadata::add_frames(timecode, frames, rate);
}

Result<MediaInfo> probe(const std::string& path) {
  if (is_image_path(path)) return probe_image(path);
  if (is_timeline_path(path)) {
    FL_ASSIGN_OR_RETURN(auto source, open_timeline_source(path, {}));
    return source->info();
  }
  FL_RETURN_IF_ERROR(refuse_misnamed_still(path));
  // Opening the source measures the exact frame count (containers such as NUT and MKV only
  // give an estimate), and plans must agree with what the renderer will decode.
  FL_ASSIGN_OR_RETURN(const ffmpeg_module::Table* ff, ffmpeg());
  FL_ASSIGN_OR_RETURN(auto source, ff->open_source(path, {}));
  return source->info();
}

Result<std::unique_ptr<FrameSource>> open_source(const std::string& path,
                                                 const SourceOptions& options) {
  if (is_image_path(path)) return open_image_source(path, options);
  if (is_timeline_path(path)) return open_timeline_source(path, options);
  FL_RETURN_IF_ERROR(refuse_misnamed_still(path));
  FL_ASSIGN_OR_RETURN(const ffmpeg_module::Table* ff, ffmpeg());
  return ff->open_source(path, options);
}

Result<std::unique_ptr<FrameSink>> open_sink(const std::string& path, const SinkOptions& options) {
  if (path == "null" || path == "-null") {
    return std::unique_ptr<FrameSink>(
        std::make_unique<NullSink>(options.width, options.height, options.transfer));
  }
  if (is_image_path(path)) return open_image_sink(path, options);
  FL_ASSIGN_OR_RETURN(const ffmpeg_module::Table* ff, ffmpeg());
  return ff->open_sink(path, options);
}

Status join_segments(const std::vector<std::string>& segments, const std::string& path,
                     const SinkOptions& options) {
  if (is_image_path(path))
    return invalid_argument("'" + path +
                            "': image sequences are not joined (a render writes them frame by "
                            "frame)");
  FL_ASSIGN_OR_RETURN(const ffmpeg_module::Table* ff, ffmpeg());
  return ff->join_segments(segments, path, options);
}

Result<bool> segment_any_frame(const std::string& path, const SinkOptions& options) {
  // Every frame of a sequence is its own file; `null` keeps nothing.
  if (path == "null" || path == "-null" || is_image_path(path)) return true;
  FL_ASSIGN_OR_RETURN(const ffmpeg_module::Table* ff, ffmpeg());
  return ff->segment_any_frame(path, options);
}

}  // namespace fl::io
