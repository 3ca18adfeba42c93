// Picks the reader/writer for a path: OpenImageIO for stills and sequences, FFmpeg for clips.
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "io/dispatch/timeline_source.h"
#include "io/ffmpeg/ffmpeg_io.h"
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
  // Opening the source measures the exact frame count (containers such as NUT and MKV only
  // give an estimate), and plans must agree with what the renderer will decode.
  FL_ASSIGN_OR_RETURN(auto source, open_ffmpeg_source(path, {}));
  return source->info();
}

Result<std::unique_ptr<FrameSource>> open_source(const std::string& path,
                                                 const SourceOptions& options) {
  if (is_image_path(path)) return open_image_source(path, options);
  if (is_timeline_path(path)) return open_timeline_source(path, options);
  return open_ffmpeg_source(path, options);
}

Result<std::unique_ptr<FrameSink>> open_sink(const std::string& path, const SinkOptions& options) {
  if (path == "null" || path == "-null") {
    return std::unique_ptr<FrameSink>(
        std::make_unique<NullSink>(options.width, options.height, options.transfer));
  }
  if (is_image_path(path)) return open_image_sink(path, options);
  return open_ffmpeg_sink(path, options);
}

Status join_segments(const std::vector<std::string>& segments, const std::string& path,
                     const SinkOptions& options) {
  if (is_image_path(path))
    return invalid_argument("'" + path +
                            "': image sequences are not joined (a render writes them frame by "
                            "frame)");
  return join_ffmpeg_segments(segments, path, options);
}

Result<bool> segment_any_frame(const std::string& path, const SinkOptions& options) {
  // Every frame of a sequence is its own file; `null` keeps nothing.
  if (path == "null" || path == "-null" || is_image_path(path)) return true;
  return ffmpeg_segment_any_frame(path, options);
}

}  // namespace fl::io
