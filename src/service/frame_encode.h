// Frames for browsers: linear light -> display code values -> JPEG/PNG bytes (OpenCV's
// encoders), thumbnails for job events, base64 for data: URLs in JSON events.
#pragma once

#include <string>
#include <string_view>

#include "colour/transfer.h"
#include "framelock/image.h"
#include "framelock/status.h"

namespace fl::service {

enum class ImageFormat { kJpeg, kPng };
Result<ImageFormat> parse_image_format(std::string_view name);  // "jpeg", "jpg", "png"
std::string_view mime_type(ImageFormat f);

// `linear` is linear-light RGBA (the renderer's frames), encoded with `display` (the source's
// transfer, so a frame looks as it does in the footage). Alpha is dropped.
Result<std::string> encode_image(const Image& linear, colour::Transfer display, ImageFormat format,
                                 int jpeg_quality = 85);
// 16-bit code values already in their display encoding.
Result<std::string> encode_image(const Rgb48Image& encoded, ImageFormat format,
                                 int jpeg_quality = 85);

// Point-sampled copies no wider than `max_width` (cheap enough to take from a 4K frame on the
// encoder's thread).
Image thumbnail(const Image& frame, int max_width);
Rgb48Image thumbnail(const Rgb48Image& frame, int max_width);

std::string base64(std::string_view bytes);

}  // namespace fl::service
