// Metadata translation for image files. See image_metadata.h.
#include "io/oiio/image_metadata.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace fl::io::image_metadata {

namespace {

constexpr uint32_t kDropFrameBit = 1u << 6;

int bcd_digit(uint32_t word, int shift, uint32_t mask) { return int((word >> shift) & mask); }

struct Hmsf {
  int h = 0, m = 0, s = 0, f = 0;
  bool drop = false;
};

std::optional<Hmsf> parse_hmsf(const std::string& tc) {
  Hmsf t;
  char sep = 0;
  if (std::sscanf(tc.c_str(), "%2d:%2d:%2d%c%2d", &t.h, &t.m, &t.s, &sep, &t.f) != 5)
    return std::nullopt;
  if (sep != ':' && sep != ';' && sep != '.') return std::nullopt;
  if (t.h < 0 || t.h > 23 || t.m < 0 || t.m > 59 || t.s < 0 || t.s > 59 || t.f < 0 || t.f > 99)
    return std::nullopt;
  t.drop = sep != ':';
  return t;
}

}  // namespace

std::string timecode_from_smpte(uint32_t w) {
  int f = bcd_digit(w, 4, 0x3) * 10 + bcd_digit(w, 0, 0xf);
  int s = bcd_digit(w, 12, 0x7) * 10 + bcd_digit(w, 8, 0xf);
  int m = bcd_digit(w, 20, 0x7) * 10 + bcd_digit(w, 16, 0xf);
  int h = bcd_digit(w, 28, 0x3) * 10 + bcd_digit(w, 24, 0xf);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d%c%02d", h, m, s, (w & kDropFrameBit) ? ';' : ':',
                f);
  return buf;
}

std::optional<uint32_t> smpte_from_timecode(const std::string& timecode) {
  auto t = parse_hmsf(timecode);
  if (!t) return std::nullopt;
  auto bcd = [](int v, int shift) { return uint32_t((v / 10) << 4 | (v % 10)) << shift; };
  uint32_t w = bcd(t->f, 0) | bcd(t->s, 8) | bcd(t->m, 16) | bcd(t->h, 24);
  if (t->drop) w |= kDropFrameBit;
  return w;
}

std::string add_frames(const std::string& timecode, int64_t frames, Rational rate) {
  auto t = parse_hmsf(timecode);
  if (!t || rate.num <= 0 || rate.den <= 0) return {};
  const int64_t fps = std::llround(rate.to_double());  // timecode counts nominal frames
  if (fps <= 0) return {};
  // Drop-frame skips frame numbers 0 and 1 (2 per 30 fps) at every minute not divisible by 10.
  const int64_t drop = t->drop ? fps / 15 : 0;
  const int64_t per_min = fps * 60 - drop;
  const int64_t per_10min = fps * 600 - drop * 9;
  int64_t total_min = t->h * 60 + t->m;
  int64_t n = (int64_t(t->h) * 3600 + t->m * 60 + t->s) * fps + t->f -
              drop * (total_min - total_min / 10) + frames;
  const int64_t per_day = per_10min * 144;
  n = ((n % per_day) + per_day) % per_day;
  if (drop) {
    int64_t tens = n / per_10min, rem = n % per_10min;
    n += drop * 9 * tens + (rem > drop ? drop * ((rem - drop) / per_min) : 0);
  }
  Hmsf o;
  o.f = int(n % fps);
  o.s = int(n / fps % 60);
  o.m = int(n / fps / 60 % 60);
  o.h = int(n / fps / 3600 % 24);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d%c%02d", o.h, o.m, o.s, t->drop ? ';' : ':', o.f);
  return buf;
}

Rational rational_from_fps(double fps) {
  if (!(fps > 0) || fps > 1000) return {24, 1};
  double rounded = std::round(fps);
  if (std::abs(fps - rounded) < 1e-3) return {int(rounded), 1};
  double ntsc = std::round(fps * 1.001);
  if (std::abs(fps - ntsc * 1000 / 1001) < 1e-3) return {int(ntsc * 1000), 1001};
  return {int(std::lround(fps * 1000)), 1000};
}

std::string trc_from_oiio_colorspace(const std::string& cs) {
  std::string l;
  for (char c : cs) l += char(std::tolower(static_cast<unsigned char>(c)));
  if (l == "linear" || l == "lin_rec709" || l == "scene_linear" || l == "lin_srgb") return "linear";
  if (l == "srgb" || l == "srgb_rec709_scene" || l == "srgb_texture") return "iec61966-2-1";
  if (l == "rec709") return "bt709";
  if (l == "gamma2.2" || l == "gamma22") return "bt470m";
  if (l == "gamma2.4" || l == "gamma24") return "bt1886";
  if (l == "gamma2.8" || l == "gamma28") return "bt470bg";
  return {};
}

std::string oiio_colorspace_for(colour::Transfer t) {
  switch (t) {
    case colour::Transfer::kLinear:
      return "Linear";
    case colour::Transfer::kSrgb:
      return "sRGB";
    case colour::Transfer::kBt709:
      return "Rec709";
    case colour::Transfer::kGamma22:
      return "Gamma2.2";
    case colour::Transfer::kGamma24:
      return "Gamma2.4";
    case colour::Transfer::kGamma28:
      return "Gamma2.8";
  }
  return "Linear";
}

}  // namespace fl::io::image_metadata
