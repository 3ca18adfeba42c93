// Hand-written Y'CbCr <-> 16-bit RGB for the planar formats professional masters come in
// (4:2:0, 4:2:2 and 4:4:4, 8 to 16 bits): the hot path of every decode -> grade -> encode.
//
// swscale does this too, but its 16-bit RGB paths have no SIMD in FFmpeg 5.1 and look up the
// pixel format descriptor per pixel (docs/benchmarks.md §4: 29% of a 4K ProRes LUT grade).
// Here a row is a few float loops the compiler vectorises, split in bands by the caller.
//
// Conventions (what decoders and encoders of these formats expect):
// - Chroma siting as the stream says (AVFrame::chroma_location): per axis, co-sited with the
//   even luma samples (MPEG-2/H.264/ProRes horizontally, "top" vertically) or centred between
//   two (JPEG/MPEG-1, and 4:2:0 rows of most video). Outputs are written co-sited ("left").
// - Upsampling: 4-tap Catmull-Rom (half phase (-1, 9, 9, -1)/16 for co-sited samples, quarter
//   phases (-9, 111, 29, -3)/128 for centred ones).
// - Downsampling (4:2:2 outputs): the co-sited half-band filter (-1, 0, 9, 16, 9, 0, -1)/32.
// - Limited ("tv") or full ("pc") range; Rec.601/709/2020/SMPTE 240M/FCC matrices.
// - RGB is 16-bit code values, rounded to nearest and clamped.
// No libav types: the kernels only see planes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fl::io::ff {

struct YcbcrFormat {
  int depth = 8;           // bits per sample; > 8 means little-endian uint16 samples
  int chroma_shift_x = 0;  // 1 for 4:2:x
  int chroma_shift_y = 0;  // 1 for 4:2:0
  bool centred_x = false;  // chroma between luma columns (JPEG), else co-sited with even ones
  bool centred_y = true;   // chroma between luma rows (most 4:2:0), else co-sited (top)
  float kr = 0.2126f, kb = 0.0722f;  // luma coefficients of the matrix
  bool full_range = false;
};

struct YcbcrPlanes {
  int width = 0, height = 0;
  uint8_t* data[3] = {};  // Y, Cb, Cr
  int stride[3] = {};     // bytes
};

// Luma coefficients for swscale's SWS_CS_* constants.
void ycbcr_coefficients(int sws_colorspace, float* kr, float* kb);

// Converts one row at a time with its own scratch rows: one converter per band (thread).
class YcbcrRows {
 public:
  YcbcrRows(const YcbcrFormat& format, int width, int height);
  // Luma row y of `in` (all of `in` readable: 4:2:0 rows read their chroma neighbours).
  void to_rgb48(const YcbcrPlanes& in, int y, uint16_t* rgb);
  // Row y of `out` (every plane's row y). 4:2:0 outputs are not supported here (callers use
  // swscale): their vertical filter would need neighbouring RGB rows.
  void from_rgb48(const uint16_t* rgb, const YcbcrPlanes& out, int y);

 private:
  YcbcrFormat f_;
  int width_, chroma_width_, chroma_height_;
  std::vector<float> buf_;
};

}  // namespace fl::io::ff
