// Internal to src/io/ffmpeg: pixel conversion between libav frames and framelock Images.
// Both directions go through 16-bit RGBA (AV_PIX_FMT_RGBA64) so that swscale does the matrix,
// range and chroma work and the transfer curve is one table lookup per channel.
//
// A 4K frame is split into horizontal bands converted in parallel (tbb::parallel_for, so the
// work runs in the renderer's arena; no threads of our own). Each band has its own SwsContext
// and asks it for its output rows only (sws_receive_slice) with the whole input available, so
// every output row is computed from exactly the same input rows and coefficients as a
// single-context conversion: the result is bit-identical whatever the band count.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "colour/transfer.h"
#include "framelock/image.h"
#include "io/ffmpeg/ffmpeg_common.h"
#include "io/ffmpeg/ycbcr.h"

namespace fl::io::ff {

// A 16-bit RGBA frame buffer that swscale's frame API can reference (it must be refcounted).
class Rgba64Buffer {
 public:
  Rgba64Buffer() = default;
  Rgba64Buffer(const Rgba64Buffer&) = delete;
  Rgba64Buffer& operator=(const Rgba64Buffer&) = delete;
  ~Rgba64Buffer();
  Status resize(int width, int height);
  uint16_t* row(int y) { return data_ + size_t(y) * stride_; }
  AVFrame* frame() { return frame_.get(); }

 private:
  FramePtr frame_;
  uint16_t* data_ = nullptr;
  int stride_ = 0;  // in uint16_t
};

// One SwsContext per band; `bands` 0 picks one per worker the current arena has.
class BandedSws {
 public:
  Status init(int src_w, int src_h, AVPixelFormat src_fmt, int dst_w, int dst_h,
              AVPixelFormat dst_fmt, int flags, int bands,
              // Called on each new context (colourspace details).
              void (*setup)(SwsContext*, const void*), const void* setup_arg);
  bool ready() const { return !ctx_.empty(); }
  void reset() { ctx_.clear(); }
  int band_count() const { return int(ctx_.size()); }
  // Output rows [y0, y1) of band b.
  int band_begin(int b) const { return starts_[size_t(b)]; }
  int band_end(int b) const { return starts_[size_t(b) + 1]; }
  // Converts the rows of band b from `src` into `dst` (both refcounted frames).
  Status convert_band(int b, AVFrame* dst, const AVFrame* src);

 private:
  std::vector<SwsPtr> ctx_;
  std::vector<int> starts_;
};

// Planar Y'CbCr layouts our own converter (ycbcr.h) takes; nullopt: swscale's business.
// Outputs exclude 4:2:0 (see YcbcrRows::from_rgb48).
std::optional<YcbcrFormat> native_ycbcr(AVPixelFormat fmt, int sws_cs, bool full_range, bool output,
                                        AVChromaLocation location);
YcbcrPlanes planes_of(const AVFrame* frame);

// Decoded frames (any size or format, which may change mid-stream) -> 16-bit RGB(A), through
// our own converter for the planar Y'CbCr formats masters come in, else a BandedSws. Rebuilt
// when the size, format, matrix or range changes.
class DecodeScaler {
 public:
  DecodeScaler(AVPixelFormat dst_format, int bands) : dst_format_(dst_format), bands_(bands) {}
  // Ready for `frame`; true when the contexts were (re)built.
  Result<bool> prepare(const AVFrame* frame);
  BandedSws& sws() { return sws_; }
  int bands() const { return bands_; }
  // Set when the frame's format goes through ycbcr.h instead of swscale.
  const std::optional<YcbcrFormat>& native() const { return native_; }

 private:
  struct Key {
    int width = 0, height = 0, format = -1, colorspace = -1, full_range = -1;
    int chroma_location = 0;
    bool operator==(const Key&) const = default;
  };
  AVPixelFormat dst_format_;
  int bands_;
  Key key_;
  BandedSws sws_;
  std::optional<YcbcrFormat> native_;
};

// Decoded frames -> linear float RGBA.
class FrameToImage {
 public:
  // `bands` 0: one band per worker (tests force other counts to check band independence).
  explicit FrameToImage(colour::Transfer transfer, int bands = 0);
  Result<Image> convert(const AVFrame* frame);

 private:
  const float* to_linear_;  // 65536 entries, owned by the shared TransferCurve
  DecodeScaler scaler_;
  Rgba64Buffer rgba64_;
};

// Decoded frames -> 16-bit code values (the integer path): no transfer curve, no float.
class FrameToRgb48 {
 public:
  explicit FrameToRgb48(int bands = 0) : scaler_(AV_PIX_FMT_RGB48, bands) {}
  Result<Rgb48Image> convert(const AVFrame* frame);

 private:
  DecodeScaler scaler_;
};

// Linear float RGBA -> frames in an encoder's pixel format, colour matrix and range.
class ImageToFrame {
 public:
  // `colorspace` is the matrix to encode YUV with (ignored for RGB formats).
  ImageToFrame(int width, int height, AVPixelFormat format, AVColorSpace colorspace,
               bool full_range, colour::Transfer transfer, int bands = 0);
  Status init();
  // `frame` must already have width, height and format set and its buffers allocated
  // (refcounted, as av_frame_get_buffer makes them).
  Status convert(const Image& image, AVFrame* frame);

 private:
  int width_, height_;
  AVPixelFormat format_;
  AVColorSpace colorspace_;
  bool full_range_;
  const colour::TransferCurve& curve_;
  int bands_;
  BandedSws sws_;
  Rgba64Buffer rgba64_;
  std::optional<YcbcrFormat> native_;
};

// A region of a decoded frame, scaled by swscale straight from its own pixel format to packed
// 8-bit BGR code values: what analysis networks read, with no full-size RGB frame made (a 4K
// frame scaled to 960 wide costs a fraction of converting it whole).
class FrameToBgr24 {
 public:
  // `region` in frame pixels is widened to whole chroma samples; out is out_w x out_h, `stride`
  // bytes a row.
  Status convert(const AVFrame* frame, Rect region, int out_w, int out_h, uint8_t* out,
                 size_t stride);

 private:
  SwsPtr ctx_;
};

// 16-bit code values -> frames in an encoder's pixel format (the integer path).
class Rgb48ToFrame {
 public:
  Rgb48ToFrame(int width, int height, AVPixelFormat format, AVColorSpace colorspace,
               bool full_range, int bands = 0);
  Status init();
  Status convert(const Rgb48Image& image, AVFrame* frame);

 private:
  int width_, height_;
  AVPixelFormat format_;
  AVColorSpace colorspace_;
  bool full_range_;
  int bands_;
  BandedSws sws_;
  std::optional<YcbcrFormat> native_;
};

}  // namespace fl::io::ff
