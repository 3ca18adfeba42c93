// A FrameSink that forwards every call and keeps a small copy of the latest frame, so a job can
// show what it just rendered without decoding or rendering anything twice.
#pragma once

#include <optional>

#include "io/frame_sink.h"
#include "service/frame_encode.h"

namespace fl::service {

class TapSink final : public io::FrameSink {
 public:
  TapSink(io::FrameSink& inner, int thumb_width) : inner_(inner), width_(thumb_width) {}

  Status write(const Image& frame) override {
    last_linear_ = thumbnail(frame, width_);
    last_rgb48_.reset();
    return inner_.write(frame);
  }
  bool writes_rgb48() const override { return inner_.writes_rgb48(); }
  colour::Transfer transfer() const override { return inner_.transfer(); }
  Status write_rgb48(const Rgb48Image& frame) override {
    last_rgb48_ = thumbnail(frame, width_);
    last_linear_.reset();
    return inner_.write_rgb48(frame);
  }
  Status finish() override { return inner_.finish(); }
  void abort() override { inner_.abort(); }
  std::string temp_path() const override { return inner_.temp_path(); }

  // The latest frame as a JPEG (display-encoded with `display` when it came as linear light).
  Result<std::string> encode_last(colour::Transfer display) const {
    if (last_rgb48_) return encode_image(*last_rgb48_, ImageFormat::kJpeg, 80);
    if (last_linear_) return encode_image(*last_linear_, display, ImageFormat::kJpeg, 80);
    return not_found("no frame written yet");
  }

 private:
  io::FrameSink& inner_;
  int width_;
  std::optional<Image> last_linear_;
  std::optional<Rgb48Image> last_rgb48_;
};

}  // namespace fl::service
