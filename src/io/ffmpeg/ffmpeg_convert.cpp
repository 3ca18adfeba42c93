#include "io/ffmpeg/ffmpeg_convert.h"

#include <algorithm>
#include <cstring>

namespace fl::io::ff {
namespace {

// Bicubic chroma upsampling, full-resolution chroma in and out, accurate rounding: quality over
// speed at the I/O edge, where a few ms per frame are noise next to decoding.
constexpr int kSwsFlags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP;

// Rows padded to 64 bytes so swscale's SIMD paths stay aligned.
int padded_stride_u16(int width) { return ((width * 4 * 2 + 63) / 64) * 64 / 2; }

bool is_jpeg_range_format(int fmt) {
  switch (fmt) {
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_YUVJ440P:
    case AV_PIX_FMT_YUVJ411P: return true;
    default: return false;
  }
}

uint16_t quantise(float v) {
  // NaN fails both comparisons and lands on 0; values are clamped, not wrapped.
  v = v > 0.f ? (v < 1.f ? v : 1.f) : 0.f;
  return uint16_t(v * 65535.f + 0.5f);
}

}  // namespace

FrameToImage::FrameToImage(colour::Transfer transfer)
    : to_linear_(colour::TransferCurve::get(transfer).u16_to_linear_table()) {}

Result<Image> FrameToImage::convert(const AVFrame* frame) {
  auto fmt = AVPixelFormat(frame->format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(fmt);
  if (!desc || frame->width <= 0 || frame->height <= 0)
    return corrupt_data("decoder returned a frame without a valid size or pixel format");

  bool yuv = is_yuv_format(fmt);
  Key key{frame->width, frame->height, frame->format,
          yuv ? sws_colorspace(frame->colorspace, frame->height) : -1,
          yuv ? int(frame->color_range == AVCOL_RANGE_JPEG || is_jpeg_range_format(fmt)) : -1};
  if (!sws_ || !(key == key_)) {
    sws_.reset(sws_getContext(key.width, key.height, fmt, key.width, key.height, AV_PIX_FMT_RGBA64,
                              kSwsFlags, nullptr, nullptr, nullptr));
    if (!sws_)
      return unsupported(std::string("cannot convert pixel format '") + desc->name + "' to RGB");
    if (yuv) {
      sws_setColorspaceDetails(sws_.get(), sws_getCoefficients(key.colorspace), key.full_range,
                               sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
    }
    key_ = key;
    stride_ = padded_stride_u16(key.width);
    rgba64_.assign(size_t(stride_) * key.height, 0);
  }

  uint8_t* dst[4] = {reinterpret_cast<uint8_t*>(rgba64_.data()), nullptr, nullptr, nullptr};
  int dst_stride[4] = {stride_ * 2, 0, 0, 0};
  int rows = sws_scale(sws_.get(), frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
  if (rows != frame->height) return internal_error("swscale converted " + std::to_string(rows) +
                                                   " of " + std::to_string(frame->height) + " rows");

  bool alpha = (desc->flags & AV_PIX_FMT_FLAG_ALPHA) != 0;
  Image image(frame->width, frame->height);
  for (int y = 0; y < frame->height; ++y) {
    const uint16_t* s = rgba64_.data() + size_t(y) * stride_;
    float* d = image.row(y);
    for (int x = 0; x < frame->width; ++x, s += 4, d += 4) {
      d[0] = to_linear_[s[0]];
      d[1] = to_linear_[s[1]];
      d[2] = to_linear_[s[2]];
      // Alpha is coverage, not light: no transfer curve.
      d[3] = alpha ? s[3] * (1.0f / 65535.0f) : 1.0f;
    }
  }
  return image;
}

ImageToFrame::ImageToFrame(int width, int height, AVPixelFormat format, AVColorSpace colorspace,
                           bool full_range, colour::Transfer transfer)
    : width_(width),
      height_(height),
      format_(format),
      colorspace_(colorspace),
      full_range_(full_range),
      curve_(colour::TransferCurve::get(transfer)) {}

Status ImageToFrame::init() {
  sws_.reset(sws_getContext(width_, height_, AV_PIX_FMT_RGBA64, width_, height_, format_, kSwsFlags,
                            nullptr, nullptr, nullptr));
  if (!sws_)
    return unsupported(std::string("cannot convert RGB to pixel format '") +
                       av_get_pix_fmt_name(format_) + "'");
  if (is_yuv_format(format_)) {
    sws_setColorspaceDetails(sws_.get(), sws_getCoefficients(SWS_CS_DEFAULT), 1,
                             sws_getCoefficients(sws_colorspace(colorspace_, height_)),
                             full_range_ ? 1 : 0, 0, 1 << 16, 1 << 16);
  }
  stride_ = padded_stride_u16(width_);
  rgba64_.assign(size_t(stride_) * height_, 0);
  scratch_.assign(size_t(width_) * 4, 0.f);
  return ok_status();
}

Status ImageToFrame::convert(const Image& image, AVFrame* frame) {
  if (image.width() != width_ || image.height() != height_)
    return invalid_argument("frame is " + std::to_string(image.width()) + "x" +
                            std::to_string(image.height()) + ", the output was opened for " +
                            std::to_string(width_) + "x" + std::to_string(height_));
  const int top = image.bounds().y;
  for (int y = 0; y < height_; ++y) {
    std::memcpy(scratch_.data(), image.row(top + y), scratch_.size() * sizeof(float));
    curve_.rgba_to_encoded(scratch_.data(), size_t(width_));
    uint16_t* d = rgba64_.data() + size_t(y) * stride_;
    for (size_t i = 0; i < scratch_.size(); ++i) d[i] = quantise(scratch_[i]);
  }
  const uint8_t* src[4] = {reinterpret_cast<const uint8_t*>(rgba64_.data()), nullptr, nullptr,
                           nullptr};
  int src_stride[4] = {stride_ * 2, 0, 0, 0};
  int rows = sws_scale(sws_.get(), src, src_stride, 0, height_, frame->data, frame->linesize);
  if (rows != height_) return internal_error("swscale converted " + std::to_string(rows) + " of " +
                                             std::to_string(height_) + " rows");
  return ok_status();
}

}  // namespace fl::io::ff
