#include "io/ffmpeg/ffmpeg_convert.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <numeric>

namespace fl::io::ff {
namespace {

// Bicubic chroma upsampling, full-resolution chroma in and out, accurate rounding: quality over
// speed at the I/O edge.
constexpr int kSwsFlags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP;
// Bands shorter than this are not worth a context of their own.
constexpr int kMinBandRows = 64;
constexpr int kMaxBands = 16;

// Rows padded to 64 bytes so swscale's SIMD paths stay aligned.
int padded_stride_u16(int width) { return ((width * 4 * 2 + 63) / 64) * 64 / 2; }

bool is_jpeg_range_format(int fmt) {
  switch (fmt) {
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_YUVJ440P:
    case AV_PIX_FMT_YUVJ411P:
      return true;
    default:
      return false;
  }
}

uint16_t quantise(float v) {
  // NaN fails both comparisons and lands on 0; values are clamped, not wrapped.
  v = v > 0.f ? (v < 1.f ? v : 1.f) : 0.f;
  return uint16_t(v * 65535.f + 0.5f);
}

// Runs body(b) for every band, in parallel, and returns the first failure.
template <typename Body>
Status for_each_band(int bands, Body&& body) {
  if (bands == 1) return body(0);
  std::mutex mu;
  Status first;
  // Isolated: callers hold locks (the renderer's per-source mutex), and a thread waiting here
  // must not pick up an unrelated task that could ask for the same lock.
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(0, bands, [&](int b) {
      Status s;
      try {
        s = body(b);
      } catch (const std::exception& e) {  // never let an exception cross a task
        s = internal_error(std::string("pixel conversion failed: ") + e.what());
      }
      if (!s.ok()) {
        std::lock_guard lock(mu);
        if (first.ok()) first = s;
      }
    });
  });
  return first;
}

}  // namespace

namespace {

// Row bands for our own converter: a few per worker so that uneven bands even out.
// `requested` > 0 (tests) forces a count.
int native_band_count(int height, int requested) {
  if (requested > 0) return std::clamp(requested, 1, std::max(1, height));
  return std::clamp(std::min(tbb::this_task_arena::max_concurrency() * 4, height / 16), 1, 64);
}
int band_row(int b, int bands, int height) { return int(int64_t(height) * b / bands); }

// Our own converter over row bands in parallel: body(rows, y0, y1) for each band, with a
// YcbcrRows (its scratch rows) per band.
template <typename Body>
Status for_each_native_band(const YcbcrFormat& format, int width, int height, int requested,
                            Body&& body) {
  const int bands = native_band_count(height, requested);
  return for_each_band(bands, [&](int b) -> Status {
    YcbcrRows rows(format, width, height);
    body(rows, band_row(b, bands, height), band_row(b + 1, bands, height));
    return ok_status();
  });
}

// One row of 16-bit code values, `step` samples a pixel, to linear float RGBA. Alpha is
// coverage, not light: no transfer curve; opaque when the row has none.
void code_row_to_linear(const uint16_t* s, int step, bool alpha, int width, const float* to_linear,
                        float* d) {
  for (int x = 0; x < width; ++x, s += step, d += 4) {
    d[0] = to_linear[s[0]];
    d[1] = to_linear[s[1]];
    d[2] = to_linear[s[2]];
    d[3] = alpha ? s[3] * (1.0f / 65535.0f) : 1.0f;
  }
}

}  // namespace

std::optional<YcbcrFormat> native_ycbcr(AVPixelFormat fmt, int sws_cs, bool full_range, bool output,
                                        AVChromaLocation location) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(fmt);
  if (!d || d->nb_components != 3 || !(d->flags & AV_PIX_FMT_FLAG_PLANAR)) return std::nullopt;
  constexpr uint64_t kExcluded = AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BE |
                                 AV_PIX_FMT_FLAG_ALPHA | AV_PIX_FMT_FLAG_BITSTREAM |
                                 AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_FLOAT |
                                 AV_PIX_FMT_FLAG_BAYER;
  if (d->flags & kExcluded) return std::nullopt;
  const int depth = d->comp[0].depth;
  if (depth < 8 || depth > 16 || d->log2_chroma_w > 1 || d->log2_chroma_h > 1) return std::nullopt;
  if (output && d->log2_chroma_h > 0) return std::nullopt;
  for (int c = 0; c < 3; ++c) {
    const AVComponentDescriptor& comp = d->comp[c];
    if (comp.plane != c || comp.depth != depth || comp.shift != 0 || comp.offset != 0 ||
        comp.step != (depth > 8 ? 2 : 1))
      return std::nullopt;
  }
  YcbcrFormat f;
  f.depth = depth;
  f.chroma_shift_x = d->log2_chroma_w;
  f.chroma_shift_y = d->log2_chroma_h;
  f.full_range = full_range;
  ycbcr_coefficients(sws_cs, &f.kr, &f.kb);
  switch (location) {
    case AVCHROMA_LOC_CENTER:
      f.centred_x = true, f.centred_y = true;
      break;
    case AVCHROMA_LOC_TOPLEFT:
      f.centred_x = false, f.centred_y = false;
      break;
    case AVCHROMA_LOC_TOP:
      f.centred_x = true, f.centred_y = false;
      break;
    case AVCHROMA_LOC_UNSPECIFIED:
      // JPEG (and so MJPEG's yuvj formats) centres chroma; video codecs default to "left".
      f.centred_x = is_jpeg_range_format(fmt);
      f.centred_y = true;
      break;
    default:  // left, and the rare bottom sitings, read as left
      f.centred_x = false, f.centred_y = true;
  }
  if (output) f.centred_x = false;  // we write co-sited chroma (and tag it so)
  return f;
}

YcbcrPlanes planes_of(const AVFrame* frame) {
  YcbcrPlanes p;
  p.width = frame->width;
  p.height = frame->height;
  for (int i = 0; i < 3; ++i) {
    p.data[i] = frame->data[i];
    p.stride[i] = frame->linesize[i];
  }
  return p;
}

Rgba64Buffer::~Rgba64Buffer() = default;

Status Rgba64Buffer::resize(int width, int height) {
  frame_.reset(av_frame_alloc());
  if (!frame_) return internal_error("out of memory");
  stride_ = padded_stride_u16(width);
  const size_t bytes = size_t(stride_) * 2 * size_t(height);
  frame_->buf[0] = av_buffer_allocz(bytes);
  if (!frame_->buf[0]) return internal_error("out of memory");
  data_ = reinterpret_cast<uint16_t*>(frame_->buf[0]->data);
  frame_->data[0] = frame_->buf[0]->data;
  frame_->linesize[0] = stride_ * 2;
  frame_->width = width;
  frame_->height = height;
  frame_->format = AV_PIX_FMT_RGBA64;
  return ok_status();
}

Status BandedSws::init(int src_w, int src_h, AVPixelFormat src_fmt, int dst_w, int dst_h,
                       AVPixelFormat dst_fmt, int flags, int bands,
                       void (*setup)(SwsContext*, const void*), const void* setup_arg) {
  ctx_.clear();
  starts_.clear();
  auto make = [&]() -> SwsContext* {
    SwsContext* c = sws_getContext(src_w, src_h, src_fmt, dst_w, dst_h, dst_fmt, flags, nullptr,
                                   nullptr, nullptr);
    if (c && setup) setup(c, setup_arg);
    return c;
  };
  SwsPtr first(make());
  if (!first) return unsupported("swscale cannot convert this pixel format");

  if (bands <= 0) bands = tbb::this_task_arena::max_concurrency();
  bands = std::clamp(std::min(bands, dst_h / kMinBandRows), 1, kMaxBands);
  // Multiples of 16 rows keep every band on the same phase of swscale's 8x8 ordered dither
  // (8-bit outputs), besides the alignment swscale itself asks for.
  const int align = std::lcm(16, int(std::max(1u, sws_receive_slice_alignment(first.get()))));
  // Band starts are multiples of the alignment; only the last band may have an odd height.
  bands = std::max(1, std::min(bands, dst_h / align));
  starts_.push_back(0);
  for (int b = 1; b < bands; ++b) {
    int y = int(int64_t(dst_h) * b / bands) / align * align;
    if (y > starts_.back()) starts_.push_back(y);
  }
  starts_.push_back(dst_h);
  ctx_.push_back(std::move(first));
  while (ctx_.size() + 1 < starts_.size()) {
    SwsPtr c(make());
    if (!c) return internal_error("cannot create a swscale context");
    ctx_.push_back(std::move(c));
  }
  return ok_status();
}

Status BandedSws::convert_band(int b, AVFrame* dst, const AVFrame* src) {
  SwsContext* c = ctx_[size_t(b)].get();
  const int y0 = band_begin(b), h = band_end(b) - y0;
  int err = sws_frame_start(c, dst, src);
  if (err < 0) return av_status(err, "swscale");
  err = sws_send_slice(c, 0, unsigned(src->height));
  if (err >= 0) err = sws_receive_slice(c, unsigned(y0), unsigned(h));
  sws_frame_end(c);
  if (err < 0)
    return av_status(err,
                     "swscale (rows " + std::to_string(y0) + "-" + std::to_string(y0 + h) + ")");
  return ok_status();
}

namespace {
struct DecodeSetup {
  bool yuv;
  int colorspace, full_range;
};
void setup_decode(SwsContext* c, const void* arg) {
  auto* s = static_cast<const DecodeSetup*>(arg);
  if (s->yuv)
    sws_setColorspaceDetails(c, sws_getCoefficients(s->colorspace), s->full_range,
                             sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
}
struct EncodeSetup {
  bool yuv;
  int colorspace, full_range;
};
void setup_encode(SwsContext* c, const void* arg) {
  auto* s = static_cast<const EncodeSetup*>(arg);
  if (s->yuv)
    sws_setColorspaceDetails(c, sws_getCoefficients(SWS_CS_DEFAULT), 1,
                             sws_getCoefficients(s->colorspace), s->full_range, 0, 1 << 16,
                             1 << 16);
}
}  // namespace

// An AVFrame over an Rgb48Image's pixels. swscale's frame API references its frames, so the
// buffer must be refcounted: the reference keeps the image's pixels alive.
static FramePtr wrap_rgb48(const Rgb48Image& image) {
  FramePtr f(av_frame_alloc());
  if (!f) return f;
  auto* keep = new Rgb48Image(image);  // shares the pixels
  const size_t bytes = image.pixel_count() * 6;
  f->buf[0] = av_buffer_create(
      reinterpret_cast<uint8_t*>(const_cast<uint16_t*>(image.data())), bytes,
      [](void* opaque, uint8_t*) { delete static_cast<Rgb48Image*>(opaque); }, keep, 0);
  if (!f->buf[0]) {
    delete keep;
    f.reset();
    return f;
  }
  f->data[0] = f->buf[0]->data;
  f->linesize[0] = image.width() * 6;
  f->width = image.width();
  f->height = image.height();
  f->format = AV_PIX_FMT_RGB48;
  return f;
}

Result<bool> DecodeScaler::prepare(const AVFrame* frame) {
  auto fmt = AVPixelFormat(frame->format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(fmt);
  if (!desc || frame->width <= 0 || frame->height <= 0)
    return corrupt_data("decoder returned a frame without a valid size or pixel format");
  bool yuv = is_yuv_format(fmt);
  Key key{frame->width,
          frame->height,
          frame->format,
          yuv ? sws_colorspace(AVColorSpace(frame->colorspace), frame->height) : -1,
          yuv ? int(frame->color_range == AVCOL_RANGE_JPEG || is_jpeg_range_format(fmt)) : -1,
          int(frame->chroma_location)};
  if ((sws_.ready() || native_) && key == key_) return false;
  key_ = key;
  native_ = yuv ? native_ycbcr(fmt, key.colorspace, key.full_range == 1, false,
                               AVChromaLocation(key.chroma_location))
                : std::nullopt;
  if (native_) {
    sws_.reset();
    return true;
  }
  DecodeSetup setup{yuv, key.colorspace, key.full_range};
  Status s = sws_.init(key.width, key.height, fmt, key.width, key.height, dst_format_, kSwsFlags,
                       bands_, setup_decode, &setup);
  if (!s.ok()) {
    sws_.reset();
    key_ = Key{};
    return unsupported(std::string("cannot convert pixel format '") + desc->name + "' to RGB");
  }
  return true;
}

FrameToImage::FrameToImage(colour::Transfer transfer, int bands)
    : to_linear_(colour::TransferCurve::get(transfer).u16_to_linear_table()),
      scaler_(AV_PIX_FMT_RGBA64, bands) {}

Result<Image> FrameToImage::convert(const AVFrame* frame) {
  FL_ASSIGN_OR_RETURN(bool rebuilt, scaler_.prepare(frame));
  const int width = frame->width, height = frame->height;
  Image image(width, height);
  if (const auto& native = scaler_.native()) {
    const YcbcrPlanes planes = planes_of(frame);
    FL_RETURN_IF_ERROR(for_each_native_band(
        *native, width, height, scaler_.bands(), [&](YcbcrRows& rows, int y0, int y1) {
          std::vector<uint16_t> rgb(size_t(width) * 3);
          for (int y = y0; y < y1; ++y) {
            rows.to_rgb48(planes, y, rgb.data());
            code_row_to_linear(rgb.data(), 3, false, width, to_linear_, image.row(y));
          }
        }));
    return image;
  }
  if (rebuilt || !rgba64_.frame()) FL_RETURN_IF_ERROR(rgba64_.resize(width, height));
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(AVPixelFormat(frame->format));
  const bool alpha = (desc->flags & AV_PIX_FMT_FLAG_ALPHA) != 0;
  BandedSws& sws = scaler_.sws();
  FL_RETURN_IF_ERROR(for_each_band(sws.band_count(), [&](int b) -> Status {
    FL_RETURN_IF_ERROR(sws.convert_band(b, rgba64_.frame(), frame));
    for (int y = sws.band_begin(b); y < sws.band_end(b); ++y)
      code_row_to_linear(rgba64_.row(y), 4, alpha, width, to_linear_, image.row(y));
    return ok_status();
  }));
  return image;
}

Status FrameToBgr24::convert(const AVFrame* frame, Rect region, int out_w, int out_h, uint8_t* out,
                             size_t stride) {
  const auto fmt = AVPixelFormat(frame->format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(fmt);
  if (!desc || frame->width <= 0 || frame->height <= 0)
    return corrupt_data("decoder returned a frame without a valid size or pixel format");
  if (out_w <= 0 || out_h <= 0 || stride < size_t(out_w) * 3)
    return invalid_argument("bad output size for an 8-bit BGR frame");
  // Whole chroma samples: the plane pointers below start on one.
  const int cw = 1 << desc->log2_chroma_w, ch = 1 << desc->log2_chroma_h;
  const int x0 = std::clamp(region.x, 0, frame->width) / cw * cw;
  const int y0 = std::clamp(region.y, 0, frame->height) / ch * ch;
  const int x1 = std::clamp(region.right(), x0 + 1, frame->width);
  const int y1 = std::clamp(region.bottom(), y0 + 1, frame->height);
  const int w = x1 - x0, h = y1 - y0;
  const uint8_t* src[4] = {};
  int src_stride[4] = {};
  int steps[4] = {};
  for (int c = 0; c < desc->nb_components; ++c)
    steps[desc->comp[c].plane] = std::max(steps[desc->comp[c].plane], desc->comp[c].step);
  const bool paletted = desc->flags & AV_PIX_FMT_FLAG_PAL;
  for (int p = 0; p < 4 && frame->data[p]; ++p) {
    const bool chroma = (p == 1 || p == 2) && !(desc->flags & AV_PIX_FMT_FLAG_RGB);
    const int px = chroma ? x0 >> desc->log2_chroma_w : x0;
    const int py = chroma ? y0 >> desc->log2_chroma_h : y0;
    src[p] =
        frame->data[p] +
        (paletted && p == 1 ? 0 : ptrdiff_t(py) * frame->linesize[p] + ptrdiff_t(px) * steps[p]);
    src_stride[p] = frame->linesize[p];
  }
  const bool yuv = is_yuv_format(fmt);
  ctx_.reset(
      sws_getCachedContext(ctx_.release(), w, h, fmt, out_w, out_h, AV_PIX_FMT_BGR24,
                           SWS_AREA | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP,
                           nullptr, nullptr, nullptr));
  if (!ctx_)
    return unsupported(std::string("cannot convert pixel format '") + desc->name + "' to RGB");
  if (yuv) {
    const int cs = sws_colorspace(AVColorSpace(frame->colorspace), frame->height);
    const int full = frame->color_range == AVCOL_RANGE_JPEG || is_jpeg_range_format(fmt);
    sws_setColorspaceDetails(ctx_.get(), sws_getCoefficients(cs), full,
                             sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
  }
  uint8_t* dst[4] = {out, nullptr, nullptr, nullptr};
  int dst_stride[4] = {int(stride), 0, 0, 0};
  if (sws_scale(ctx_.get(), src, src_stride, 0, h, dst, dst_stride) != out_h)
    return internal_error("swscale did not give the whole 8-bit frame");
  return ok_status();
}

Result<Rgb48Image> FrameToRgb48::convert(const AVFrame* frame) {
  FL_RETURN_IF_ERROR(scaler_.prepare(frame).status());
  Rgb48Image image(frame->width, frame->height);
  if (const auto& native = scaler_.native()) {
    const YcbcrPlanes planes = planes_of(frame);
    FL_RETURN_IF_ERROR(for_each_native_band(*native, frame->width, frame->height, scaler_.bands(),
                                            [&](YcbcrRows& rows, int y0, int y1) {
                                              for (int y = y0; y < y1; ++y)
                                                rows.to_rgb48(planes, y, image.row(y));
                                            }));
    return image;
  }
  FramePtr dst = wrap_rgb48(image);
  if (!dst) return internal_error("out of memory");
  BandedSws& sws = scaler_.sws();
  FL_RETURN_IF_ERROR(for_each_band(sws.band_count(),
                                   [&](int b) { return sws.convert_band(b, dst.get(), frame); }));
  return image;
}

ImageToFrame::ImageToFrame(int width, int height, AVPixelFormat format, AVColorSpace colorspace,
                           bool full_range, colour::Transfer transfer, int bands)
    : width_(width),
      height_(height),
      format_(format),
      colorspace_(colorspace),
      full_range_(full_range),
      curve_(colour::TransferCurve::get(transfer)),
      bands_(bands) {}

Status ImageToFrame::init() {
  EncodeSetup setup{is_yuv_format(format_), sws_colorspace(colorspace_, height_),
                    full_range_ ? 1 : 0};
  if (setup.yuv)
    native_ = native_ycbcr(format_, setup.colorspace, full_range_, true, AVCHROMA_LOC_LEFT);
  if (native_) return ok_status();
  // swscale (FFmpeg 5.1) gets output slices of vertically subsampled formats (4:2:0, NV12)
  // wrong (tests/unit/io_ffmpeg/convert_test.cpp catches it): those scale as one band.
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format_);
  const int bands = desc && desc->log2_chroma_h > 0 ? 1 : bands_;
  Status s = sws_.init(width_, height_, AV_PIX_FMT_RGBA64, width_, height_, format_, kSwsFlags,
                       bands, setup_encode, &setup);
  if (!s.ok())
    return unsupported(std::string("cannot convert RGB to pixel format '") +
                       av_get_pix_fmt_name(format_) + "'");
  return rgba64_.resize(width_, height_);
}

Status ImageToFrame::convert(const Image& image, AVFrame* frame) {
  if (image.width() != width_ || image.height() != height_)
    return invalid_argument("frame is " + std::to_string(image.width()) + "x" +
                            std::to_string(image.height()) + ", the output was opened for " +
                            std::to_string(width_) + "x" + std::to_string(height_));
  const int top = image.bounds().y;
  const size_t row_floats = size_t(width_) * 4;
  if (native_) {
    const YcbcrPlanes planes = planes_of(frame);
    return for_each_native_band(
        *native_, width_, height_, bands_, [&](YcbcrRows& rows, int y0, int y1) {
          std::vector<float> scratch(row_floats);
          std::vector<uint16_t> rgb(size_t(width_) * 3);
          for (int y = y0; y < y1; ++y) {
            std::memcpy(scratch.data(), image.row(top + y), row_floats * sizeof(float));
            curve_.rgba_to_encoded(scratch.data(), size_t(width_));
            for (size_t x = 0; x < size_t(width_); ++x)
              for (size_t c = 0; c < 3; ++c) rgb[3 * x + c] = quantise(scratch[4 * x + c]);
            rows.from_rgb48(rgb.data(), planes, y);
          }
        });
  }
  // Two passes: a band's output rows may read 16-bit rows of its neighbours (vertical chroma
  // filters of 4:2:0 outputs), so all of them are written before any band is scaled.
  tbb::this_task_arena::isolate([&] {  // see for_each_band
    tbb::parallel_for(tbb::blocked_range<int>(0, height_, kMinBandRows),
                      [&](const tbb::blocked_range<int>& rows) {
                        // One row, so the caller's image is never modified.
                        std::vector<float> scratch(row_floats);
                        for (int y = rows.begin(); y < rows.end(); ++y) {
                          std::memcpy(scratch.data(), image.row(top + y),
                                      row_floats * sizeof(float));
                          curve_.rgba_to_encoded(scratch.data(), size_t(width_));
                          uint16_t* d = rgba64_.row(y);
                          for (size_t i = 0; i < row_floats; ++i) d[i] = quantise(scratch[i]);
                        }
                      });
  });
  return for_each_band(sws_.band_count(),
                       [&](int b) { return sws_.convert_band(b, frame, rgba64_.frame()); });
}

Rgb48ToFrame::Rgb48ToFrame(int width, int height, AVPixelFormat format, AVColorSpace colorspace,
                           bool full_range, int bands)
    : width_(width),
      height_(height),
      format_(format),
      colorspace_(colorspace),
      full_range_(full_range),
      bands_(bands) {}

Status Rgb48ToFrame::init() {
  EncodeSetup setup{is_yuv_format(format_), sws_colorspace(colorspace_, height_),
                    full_range_ ? 1 : 0};
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format_);
  if (setup.yuv)
    native_ = native_ycbcr(format_, setup.colorspace, full_range_, true, AVCHROMA_LOC_LEFT);
  if (native_) return ok_status();
  const int bands = desc && desc->log2_chroma_h > 0 ? 1 : bands_;  // see ImageToFrame::init
  Status s = sws_.init(width_, height_, AV_PIX_FMT_RGB48, width_, height_, format_, kSwsFlags,
                       bands, setup_encode, &setup);
  if (!s.ok())
    return unsupported(std::string("cannot convert RGB to pixel format '") +
                       av_get_pix_fmt_name(format_) + "'");
  return ok_status();
}

Status Rgb48ToFrame::convert(const Rgb48Image& image, AVFrame* frame) {
  if (image.width() != width_ || image.height() != height_)
    return invalid_argument("frame is " + std::to_string(image.width()) + "x" +
                            std::to_string(image.height()) + ", the output was opened for " +
                            std::to_string(width_) + "x" + std::to_string(height_));
  if (native_) {
    const YcbcrPlanes planes = planes_of(frame);
    return for_each_native_band(*native_, width_, height_, bands_,
                                [&](YcbcrRows& rows, int y0, int y1) {
                                  for (int y = y0; y < y1; ++y)
                                    rows.from_rgb48(image.row(y), planes, y);
                                });
  }
  FramePtr src = wrap_rgb48(image);
  if (!src) return internal_error("out of memory");
  return for_each_band(sws_.band_count(),
                       [&](int b) { return sws_.convert_band(b, frame, src.get()); });
}

}  // namespace fl::io::ff
