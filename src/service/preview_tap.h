// The last stage of a job's frames: keeps a small copy of a frame just rendered, so a job can
// show what it is making without decoding or rendering anything twice. It copies only when
// asked (about once a second), not every frame.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>

#include "core/output_pipeline.h"
#include "service/frame_encode.h"

namespace fl::service {

class PreviewTap final : public FrameStage {
 public:
  explicit PreviewTap(int thumb_width) : width_(thumb_width) {}

  std::string_view name() const override { return "preview tap"; }
  Status apply(int64_t frame, Image& linear) const override {
    if (claim()) keep(frame, thumbnail(linear, width_));
    return ok_status();
  }
  Status apply(int64_t frame, Rgb48Image& codes) const override {
    if (claim()) keep(frame, thumbnail(codes, width_));
    return ok_status();
  }

  // Asks for a copy of the next frame that passes.
  void request() { wanted_ = true; }
  // The kept frame as a JPEG (display-encoded with `display` when it came as linear light),
  // and its output frame number.
  Result<std::pair<int64_t, std::string>> take_jpeg(colour::Transfer display) const {
    std::lock_guard lock(mu_);
    Result<std::string> jpeg = not_found("no frame kept yet");
    if (codes_) jpeg = encode_image(*codes_, ImageFormat::kJpeg, 80);
    if (linear_) jpeg = encode_image(*linear_, display, ImageFormat::kJpeg, 80);
    if (!jpeg.ok()) return jpeg.status();
    return std::pair<int64_t, std::string>(frame_, std::move(*jpeg));
  }

 private:
  bool claim() const { return wanted_.exchange(false); }
  void keep(int64_t frame, Image img) const {
    std::lock_guard lock(mu_);
    frame_ = frame, linear_ = std::move(img), codes_.reset();
  }
  void keep(int64_t frame, Rgb48Image img) const {
    std::lock_guard lock(mu_);
    frame_ = frame, codes_ = std::move(img), linear_.reset();
  }

  int width_;
  mutable std::atomic<bool> wanted_{true};
  mutable std::mutex mu_;
  mutable int64_t frame_ = -1;
  mutable std::optional<Image> linear_;
  mutable std::optional<Rgb48Image> codes_;
};

}  // namespace fl::service
