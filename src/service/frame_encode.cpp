#include "service/frame_encode.h"

#include <algorithm>
#include <opencv2/imgcodecs.hpp>

#include "core/text_encoding.h"

namespace fl::service {

namespace {

Result<std::string> encode_mat(const cv::Mat& bgr, ImageFormat format, int jpeg_quality) {
  std::vector<uchar> out;
  std::vector<int> params;
  const char* ext = format == ImageFormat::kJpeg ? ".jpg" : ".png";
  if (format == ImageFormat::kJpeg)
    params = {cv::IMWRITE_JPEG_QUALITY, std::clamp(jpeg_quality, 1, 100)};
  else
    params = {cv::IMWRITE_PNG_COMPRESSION, 1};  // fast: these go to a browser, not an archive
  bool ok = false;
  try {
    ok = cv::imencode(ext, bgr, out, params);
  } catch (const cv::Exception& e) {
    return internal_error(std::string("image encoding failed: ") + e.what());
  }
  if (!ok) return internal_error("image encoding failed");
  return std::string(out.begin(), out.end());
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
  cv::Mat bgr(linear.height(), linear.width(), png16 ? CV_16UC3 : CV_8UC3);
  const float scale = png16 ? 65535.f : 255.f;
  for (int y = 0; y < linear.height(); ++y) {
    const float* s = linear.row(linear.bounds().y + y);
    for (int x = 0; x < linear.width(); ++x, s += 4) {
      float c[3];
      for (int k = 0; k < 3; ++k)
        c[k] = std::clamp(curve.to_encoded(s[k]), 0.f, 1.f) * scale + 0.5f;
      if (png16)
        bgr.ptr<cv::Vec3w>(y)[x] = cv::Vec3w(uint16_t(c[2]), uint16_t(c[1]), uint16_t(c[0]));
      else
        bgr.ptr<cv::Vec3b>(y)[x] = cv::Vec3b(uint8_t(c[2]), uint8_t(c[1]), uint8_t(c[0]));
    }
  }
  return encode_mat(bgr, format, jpeg_quality);
}

Result<std::string> encode_image(const Rgb48Image& encoded, ImageFormat format, int jpeg_quality) {
  if (encoded.empty()) return invalid_argument("empty image");
  cv::Mat bgr(encoded.height(), encoded.width(), CV_8UC3);
  for (int y = 0; y < encoded.height(); ++y) {
    const uint16_t* s = encoded.row(y);
    auto* d = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < encoded.width(); ++x, s += 3)
      d[x] = cv::Vec3b(uint8_t((s[2] + 128) / 257), uint8_t((s[1] + 128) / 257),
                       uint8_t((s[0] + 128) / 257));
  }
  return encode_mat(bgr, format, jpeg_quality);
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
