#include "io/oiio/oiio_module.h"

#include <OpenImageIO/filesystem.h>
#include <OpenImageIO/imageio.h>

#include <algorithm>
#include <vector>

namespace fl::io {
namespace {

Result<std::string> encode(const void* rgb, OIIO::TypeDesc type, int width, int height,
                           const StillEncoding& e) {
  if (!rgb || width <= 0 || height <= 0) return invalid_argument("encode_still: empty image");
  const bool jpeg = e.format == StillFormat::kJpeg;
  if (jpeg && type != OIIO::TypeDesc::UINT8) return invalid_argument("encode_still: JPEG is 8-bit");
  auto out = OIIO::ImageOutput::create(jpeg ? "jpeg" : "png");
  if (!out)
    return unsupported("OpenImageIO has no " + std::string(jpeg ? "JPEG" : "PNG") + " writer");
  std::vector<unsigned char> bytes;
  OIIO::Filesystem::IOVecOutput sink(bytes);
  if (!out->set_ioproxy(&sink))
    return unsupported("OpenImageIO cannot write this format to memory");
  OIIO::ImageSpec spec(width, height, 3, type);
  if (jpeg)
    spec.attribute("Compression", "jpeg:" + std::to_string(std::clamp(e.jpeg_quality, 1, 100)));
  else
    spec.attribute("png:compressionLevel", std::clamp(e.png_compression, 0, 9));
  if (!out->open(jpeg ? "memory.jpg" : "memory.png", spec) || !out->write_image(type, rgb) ||
      !out->close())
    return internal_error("image encoding failed: " + out->geterror());
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

Result<std::string> oiio_module::encode_still8(const uint8_t* rgb, int width, int height,
                                               const StillEncoding& encoding) {
  return encode(rgb, OIIO::TypeDesc::UINT8, width, height, encoding);
}

Result<std::string> oiio_module::encode_still16(const uint16_t* rgb, int width, int height,
                                                const StillEncoding& encoding) {
  return encode(rgb, OIIO::TypeDesc::UINT16, width, height, encoding);
}

}  // namespace fl::io
