#include "service/frame_encode.h"

#include <algorithm>
#include <vector>

#include "core/text_encoding.h"
#include "io/oiio/still_encode.h"

namespace fl::service {

namespace {

io::StillEncoding encoding_for(ImageFormat format, int jpeg_quality) {
  io::StillEncoding e;
  e.format = format == ImageFormat::kJpeg ? io::StillFormat::kJpeg : io::StillFormat::kPng;
  e.jpeg_quality = jpeg_quality;
  e.png_compression = 1;  // fast: these go to a browser, not an archive
  return e;
}

}  // namespace

Result<ImageFormat> parse_image_format(std::string_view name) {
  if (name == "jpeg" || name == "jpg") return ImageFormat::kJpeg;
  if (name == "png") return ImageFormat::kPng;
  return invalid_argument("format must be jpeg or png, got '" + std::string(name) + "'", "format");
}

std::string_view mime_type(ImageFormat f) {
  return f == ImageFormat::kJpeg ? "image/jpeg" : "image/png";
}

Result<std::string> encode_image(const Image& linear, colour::Transfer display, ImageFormat format,
                                 int jpeg_quality) {
  if (linear.empty()) return invalid_argument("empty image");
  const auto& curve = colour::TransferCurve::get(display);
  const bool png16 = format == ImageFormat::kPng;
  const size_t n = size_t(linear.width()) * size_t(linear.height()) * 3;
  std::vector<uint16_t> rgb16(png16 ? n : 0);
  std::vector<uint8_t> rgb8(png16 ? 0 : n);
  const float scale = png16 ? 65535.f : 255.f;
  size_t i = 0;
  for (int y = 0; y < linear.height(); ++y) {
    const float* s = linear.row(linear.bounds().y + y);
    for (int x = 0; x < linear.width(); ++x, s += 4)
      for (int k = 0; k < 3; ++k, ++i) {
        const float c = std::clamp(curve.to_encoded(s[k]), 0.f, 1.f) * scale + 0.5f;
        if (png16)
          rgb16[i] = uint16_t(c);
        else
          rgb8[i] = uint8_t(c);
      }
  }
  const auto e = encoding_for(format, jpeg_quality);
  return png16 ? io::encode_still(rgb16.data(), linear.width(), linear.height(), e)
               : io::encode_still(rgb8.data(), linear.width(), linear.height(), e);
}

Result<std::string> encode_image(const Rgb48Image& encoded, ImageFormat format, int jpeg_quality) {
  if (encoded.empty()) return invalid_argument("empty image");
  std::vector<uint8_t> rgb(size_t(encoded.width()) * size_t(encoded.height()) * 3);
  size_t i = 0;
  for (int y = 0; y < encoded.height(); ++y) {
    const uint16_t* s = encoded.row(y);
    for (int x = 0; x < encoded.width() * 3; ++x) rgb[i++] = uint8_t((s[x] + 128) / 257);
  }
  return io::encode_still(rgb.data(), encoded.width(), encoded.height(),
                          encoding_for(format, jpeg_quality));
}

Image thumbnail(const Image& frame, int max_width) {
  int step = std::max(1, (frame.width() + max_width - 1) / std::max(1, max_width));
  int w = std::max(1, frame.width() / step), h = std::max(1, frame.height() / step);
  Image out(w, h);
  for (int y = 0; y < h; ++y) {
    const float* s = frame.row(frame.bounds().y + y * step);
    float* d = out.row(y);
    for (int x = 0; x < w; ++x) std::copy_n(s + size_t(x) * step * 4, 4, d + size_t(x) * 4);
  }
  return out;
}

Rgb48Image thumbnail(const Rgb48Image& frame, int max_width) {
  int step = std::max(1, (frame.width() + max_width - 1) / std::max(1, max_width));
  int w = std::max(1, frame.width() / step), h = std::max(1, frame.height() / step);
  Rgb48Image out(w, h);
  for (int y = 0; y < h; ++y) {
    const uint16_t* s = frame.row(y * step);
    uint16_t* d = out.row(y);
    for (int x = 0; x < w; ++x) std::copy_n(s + size_t(x) * step * 3, 3, d + size_t(x) * 3);
  }
  return out;
}

std::string base64(std::string_view bytes) { return base64_encode(bytes); }

}  // namespace fl::service
