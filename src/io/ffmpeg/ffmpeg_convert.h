// Internal to src/io/ffmpeg: pixel conversion between libav frames and framelock Images.
// Both directions go through 16-bit RGBA (AV_PIX_FMT_RGBA64) so that swscale does the matrix,
// range and chroma work and the transfer curve is one table lookup per channel.
#pragma once

#include <cstdint>
#include <vector>

#include "colour/transfer.h"
#include "framelock/image.h"
#include "io/ffmpeg/ffmpeg_common.h"

namespace fl::io::ff {

// Decoded frames (any size or format, which may change mid-stream) -> linear float RGBA.
class FrameToImage {
 public:
  explicit FrameToImage(colour::Transfer transfer);
  Result<Image> convert(const AVFrame* frame);

 private:
  struct Key {
    int width = 0, height = 0, format = -1, colorspace = -1, full_range = -1;
    bool operator==(const Key&) const = default;
  };
  const float* to_linear_;  // 65536 entries, owned by the shared TransferCurve
  Key key_;
  SwsPtr sws_;
  std::vector<uint16_t> rgba64_;
  int stride_ = 0;  // in uint16_t
};

// Linear float RGBA -> frames in an encoder's pixel format, colour matrix and range.
class ImageToFrame {
 public:
  // `colorspace` is the matrix to encode YUV with (ignored for RGB formats).
  ImageToFrame(int width, int height, AVPixelFormat format, AVColorSpace colorspace,
               bool full_range, colour::Transfer transfer);
  Status init();
  // `frame` must already have width, height and format set and its buffers allocated.
  Status convert(const Image& image, AVFrame* frame);

 private:
  int width_, height_;
  AVPixelFormat format_;
  AVColorSpace colorspace_;
  bool full_range_;
  const colour::TransferCurve& curve_;
  SwsPtr sws_;
  std::vector<uint16_t> rgba64_;
  std::vector<float> scratch_;  // one row, so the caller's image is never modified
  int stride_ = 0;              // in uint16_t
};

}  // namespace fl::io::ff
