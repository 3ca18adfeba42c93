#include "io/ffmpeg/ycbcr.h"

#include <libswscale/swscale.h>

#include <algorithm>
#include <cstring>
#include <vector>

// The row loops are written for the vectoriser; AVX2 doubles their width where the CPU has it.
#if defined(__x86_64__) && defined(__GNUC__)
#define FL_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define FL_CLONES
#endif

namespace fl::io::ff {
namespace {

struct Scales {
  float y_offset, y_scale;  // code value -> 0..1
  float c_mid, c_scale;     // code value -> -0.5..0.5
  float max_code;
};

Scales scales_for(const YcbcrFormat& f) {
  const float shift = float(1 << (f.depth - 8));
  const float max_code = float((1 << f.depth) - 1);
  if (f.full_range) return {0.f, 1.f / max_code, 128.f * shift, 1.f / max_code, max_code};
  return {16.f * shift, 1.f / (219.f * shift), 128.f * shift, 1.f / (224.f * shift), max_code};
}

FL_CLONES void load_samples(const uint8_t* row, bool wide, int n, float offset, float scale,
                            float* out) {
  if (wide) {
    const auto* p = reinterpret_cast<const uint16_t*>(row);
    for (int i = 0; i < n; ++i) out[i] = (float(p[i]) - offset) * scale;
  } else {
    for (int i = 0; i < n; ++i) out[i] = (float(row[i]) - offset) * scale;
  }
}

// Catmull-Rom weights for a sample a quarter of the way from tap 1 to tap 2, and three quarters.
constexpr float kQuarter[4] = {-9.f / 128, 111.f / 128, 29.f / 128, -3.f / 128};
constexpr float kThreeQuarters[4] = {-3.f / 128, 29.f / 128, 111.f / 128, -9.f / 128};

// A chroma row at the vertical position of luma row y.
void chroma_row(const YcbcrFormat& f, const YcbcrPlanes& in, int plane, int y, int cw, int ch,
                const Scales& s, float* out, float* tmp) {
  const bool wide = f.depth > 8;
  auto row = [&](int r) {
    r = std::clamp(r, 0, ch - 1);
    return in.data[plane] + size_t(r) * size_t(in.stride[plane]);
  };
  auto blend = [&](int first, const float* w) {
    std::fill(out, out + cw, 0.f);
    for (int t = 0; t < 4; ++t) {
      load_samples(row(first + t), wide, cw, s.c_mid, s.c_scale, tmp);
      const float wt = w[t];
      for (int i = 0; i < cw; ++i) out[i] += wt * tmp[i];
    }
  };
  if (!f.chroma_shift_y) {
    load_samples(row(y), wide, cw, s.c_mid, s.c_scale, out);
    return;
  }
  const int j = y >> 1;
  if (!f.centred_y) {  // co-sited: even rows are chroma rows, odd ones halfway between
    if (y & 1) {
      static constexpr float kHalf[4] = {-1.f / 16, 9.f / 16, 9.f / 16, -1.f / 16};
      blend(j - 1, kHalf);
    } else {
      load_samples(row(j), wide, cw, s.c_mid, s.c_scale, out);
    }
    return;
  }
  // Centred: luma row 2j sits a quarter of a chroma row above chroma row j, 2j+1 a quarter below.
  if (y & 1)
    blend(j - 1, kQuarter);
  else
    blend(j - 2, kThreeQuarters);
}

// Half-width chroma -> full width. Co-sited: even columns copy, odd ones interpolate halfway.
// Centred: every column is a quarter step from its nearest chroma sample.
FL_CLONES void upsample_row(const float* half, int cw, int width, bool centred, float* full) {
  auto at = [&](int k) { return half[std::clamp(k, 0, cw - 1)]; };
  if (centred) {
    for (int k = 0; 2 * k < width; ++k) {
      const float a = at(k - 2), b = at(k - 1), c = half[k], d = at(k + 1), e = at(k + 2);
      full[2 * k] = kThreeQuarters[0] * a + kThreeQuarters[1] * b + kThreeQuarters[2] * c +
                    kThreeQuarters[3] * d;
      if (2 * k + 1 < width)
        full[2 * k + 1] = kQuarter[0] * b + kQuarter[1] * c + kQuarter[2] * d + kQuarter[3] * e;
    }
    return;
  }
  for (int k = 0; 2 * k < width; ++k) {
    full[2 * k] = half[k];
    if (2 * k + 1 < width)
      full[2 * k + 1] = (9.f * (half[k] + at(k + 1)) - (at(k - 1) + at(k + 2))) * (1.f / 16.f);
  }
}

FL_CLONES void matrix_to_rgb48(const float* y, const float* cb, const float* cr, int n,
                               const float m[4], uint16_t* out) {
  for (int i = 0; i < n; ++i) {
    float r = y[i] + m[0] * cr[i];
    float g = y[i] - m[1] * cb[i] - m[2] * cr[i];
    float b = y[i] + m[3] * cb[i];
    r = std::clamp(r * 65535.f + 0.5f, 0.f, 65535.f);
    g = std::clamp(g * 65535.f + 0.5f, 0.f, 65535.f);
    b = std::clamp(b * 65535.f + 0.5f, 0.f, 65535.f);
    out[3 * i] = uint16_t(r);
    out[3 * i + 1] = uint16_t(g);
    out[3 * i + 2] = uint16_t(b);
  }
}

FL_CLONES void rgb48_to_planes_f(const uint16_t* in, int n, float kr, float kb, float* y, float* cb,
                                 float* cr) {
  const float kg = 1.f - kr - kb;
  const float sb = 0.5f / (1.f - kb), sr = 0.5f / (1.f - kr);
  for (int i = 0; i < n; ++i) {
    const float r = float(in[3 * i]) * (1.f / 65535.f), g = float(in[3 * i + 1]) * (1.f / 65535.f),
                b = float(in[3 * i + 2]) * (1.f / 65535.f);
    const float l = kr * r + kg * g + kb * b;
    y[i] = l;
    cb[i] = (b - l) * sb;
    cr[i] = (r - l) * sr;
  }
}

// Full width -> half width at the even (co-sited) columns.
FL_CLONES void downsample_row(const float* full, int width, float* half) {
  const int cw = (width + 1) >> 1;
  auto at = [&](int x) { return full[std::clamp(x, 0, width - 1)]; };
  for (int k = 0; k < cw; ++k) {
    const int x = 2 * k;
    half[k] =
        (16.f * full[x] + 9.f * (at(x - 1) + at(x + 1)) - (at(x - 3) + at(x + 3))) * (1.f / 32.f);
  }
}

FL_CLONES void store_samples(const float* v, int n, float offset, float range, float max_code,
                             bool wide, uint8_t* row) {
  if (wide) {
    auto* p = reinterpret_cast<uint16_t*>(row);
    for (int i = 0; i < n; ++i)
      p[i] = uint16_t(std::clamp(v[i] * range + offset + 0.5f, 0.f, max_code));
  } else {
    for (int i = 0; i < n; ++i)
      row[i] = uint8_t(std::clamp(v[i] * range + offset + 0.5f, 0.f, max_code));
  }
}

}  // namespace

void ycbcr_coefficients(int cs, float* kr, float* kb) {
  switch (cs) {
    case SWS_CS_ITU601:  // also SWS_CS_SMPTE170M and SWS_CS_DEFAULT
      *kr = 0.299f, *kb = 0.114f;
      return;
    case SWS_CS_FCC:
      *kr = 0.30f, *kb = 0.11f;
      return;
    case SWS_CS_SMPTE240M:
      *kr = 0.212f, *kb = 0.087f;
      return;
    case SWS_CS_BT2020:
      *kr = 0.2627f, *kb = 0.0593f;
      return;
    default:
      *kr = 0.2126f, *kb = 0.0722f;
  }
}

YcbcrRows::YcbcrRows(const YcbcrFormat& format, int width, int height)
    : f_(format),
      width_(width),
      chroma_width_((width + (1 << format.chroma_shift_x) - 1) >> format.chroma_shift_x),
      chroma_height_((height + (1 << format.chroma_shift_y) - 1) >> format.chroma_shift_y),
      buf_(size_t(width) * 3 + size_t(chroma_width_) * 3) {}

void YcbcrRows::to_rgb48(const YcbcrPlanes& in, int y, uint16_t* rgb) {
  const int w = width_, cw = chroma_width_;
  const Scales s = scales_for(f_);
  const float kg = 1.f - f_.kr - f_.kb;
  const float m[4] = {2.f * (1.f - f_.kr), 2.f * f_.kb * (1.f - f_.kb) / kg,
                      2.f * f_.kr * (1.f - f_.kr) / kg, 2.f * (1.f - f_.kb)};
  float* yl = buf_.data();
  float* cb = yl + w;
  float* cr = cb + w;
  float* half = cr + w;
  float* half2 = half + cw;
  float* tmp = half2 + cw;
  load_samples(in.data[0] + size_t(y) * size_t(in.stride[0]), f_.depth > 8, w, s.y_offset,
               s.y_scale, yl);
  if (f_.chroma_shift_x) {
    chroma_row(f_, in, 1, y, cw, chroma_height_, s, half, tmp);
    chroma_row(f_, in, 2, y, cw, chroma_height_, s, half2, tmp);
    upsample_row(half, cw, w, f_.centred_x, cb);
    upsample_row(half2, cw, w, f_.centred_x, cr);
  } else {
    chroma_row(f_, in, 1, y, cw, chroma_height_, s, cb, tmp);
    chroma_row(f_, in, 2, y, cw, chroma_height_, s, cr, tmp);
  }
  matrix_to_rgb48(yl, cb, cr, w, m, rgb);
}

void YcbcrRows::from_rgb48(const uint16_t* rgb, const YcbcrPlanes& out, int y) {
  const int w = width_, cw = chroma_width_;
  const Scales s = scales_for(f_);
  const float y_range = 1.f / s.y_scale, c_range = 1.f / s.c_scale;
  float* yl = buf_.data();
  float* cb = yl + w;
  float* cr = cb + w;
  float* half = cr + w;
  const bool wide = f_.depth > 8;
  rgb48_to_planes_f(rgb, w, f_.kr, f_.kb, yl, cb, cr);
  store_samples(yl, w, s.y_offset, y_range, s.max_code, wide,
                out.data[0] + size_t(y) * size_t(out.stride[0]));
  float* chroma[2] = {cb, cr};
  for (int p = 0; p < 2; ++p) {
    const float* src = chroma[p];
    if (f_.chroma_shift_x) {
      downsample_row(chroma[p], w, half);
      src = half;
    }
    store_samples(src, cw, s.c_mid, c_range, s.max_code, wide,
                  out.data[p + 1] + size_t(y) * size_t(out.stride[p + 1]));
  }
}

}  // namespace fl::io::ff
