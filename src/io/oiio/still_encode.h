// Stills as PNG or JPEG bytes through OpenImageIO (libpng, libjpeg), for previews, thumbnails
// and contact sheets. The command line then needs no OpenCV image codecs, whose dependencies
// (GDAL, HDF5, DCMTK...) cost every start-up a quarter of a second.
#pragma once

#include <cstdint>
#include <string>

#include "framelock/status.h"

namespace fl::io {

enum class StillFormat { kPng, kJpeg };

struct StillEncoding {
  StillFormat format = StillFormat::kPng;
  int jpeg_quality = 90;    // 1-100
  int png_compression = 1;  // 0-9: fast, for a browser rather than an archive
};

// Interleaved RGB, `width * 3` values a row. JPEG takes 8-bit only.
Result<std::string> encode_still(const uint8_t* rgb, int width, int height,
                                 const StillEncoding& encoding);
Result<std::string> encode_still(const uint16_t* rgb, int width, int height,
                                 const StillEncoding& encoding);

}  // namespace fl::io
