#include "colour/rgb48_map.h"

#include <algorithm>
#include <cstring>

namespace fl::colour {

Rgb48Map::Rgb48Map(std::vector<uint16_t> curves, PreparedLut3D lut) : lut_(std::move(lut)) {
  if (!curves.empty()) curves_ = std::make_shared<const std::vector<uint16_t>>(std::move(curves));
}

std::optional<Rgb48Map> Rgb48Map::then(const Rgb48Map& next) const {
  if (next.is_identity()) return *this;
  if (is_identity()) return next;
  if (!lut_.empty()) return std::nullopt;  // a stage after our LUT
  Rgb48Map out = next;
  if (next.curves_) {
    std::vector<uint16_t> composed(3 * 65536);
    const uint16_t* a = curves_->data();
    const uint16_t* b = next.curves_->data();
    for (size_t c = 0; c < 3; ++c)
      for (size_t v = 0; v < 65536; ++v) composed[c * 65536 + v] = b[c * 65536 + a[c * 65536 + v]];
    out.curves_ = std::make_shared<const std::vector<uint16_t>>(std::move(composed));
  } else {
    out.curves_ = curves_;
  }
  return out;
}

void Rgb48Map::apply(const uint16_t* in, uint16_t* out, size_t pixels) const {
  if (!curves_) {
    apply_lut3d_rgb48(lut_, in, out, pixels);  // an empty LUT copies
    return;
  }
  const uint16_t* r = curves_->data();
  const uint16_t* g = r + 65536;
  const uint16_t* b = g + 65536;
  if (lut_.empty()) {
    for (size_t i = 0; i < pixels; ++i, in += 3, out += 3) {
      const uint16_t vr = r[in[0]], vg = g[in[1]], vb = b[in[2]];
      out[0] = vr, out[1] = vg, out[2] = vb;
    }
    return;
  }
  // Curves into a small buffer that stays in L1, then the LUT from there.
  constexpr size_t kChunk = 1024;
  uint16_t bounce[kChunk * 3];
  for (size_t done = 0; done < pixels; done += kChunk) {
    const size_t n = std::min(kChunk, pixels - done);
    const uint16_t* s = in + 3 * done;
    for (size_t i = 0; i < n; ++i) {
      bounce[3 * i] = r[s[3 * i]];
      bounce[3 * i + 1] = g[s[3 * i + 1]];
      bounce[3 * i + 2] = b[s[3 * i + 2]];
    }
    apply_lut3d_rgb48(lut_, bounce, out + 3 * done, n);
  }
}

std::vector<uint16_t> linear_gain_curves(Transfer transfer, const float gain[3],
                                         const float offset[3]) {
  const TransferCurve& curve = TransferCurve::get(transfer);
  const float* to_linear = curve.u16_to_linear_table();
  std::vector<uint16_t> t(3 * 65536);
  for (int c = 0; c < 3; ++c)
    for (int v = 0; v < 65536; ++v) {
      float y = curve.to_encoded(gain[c] * to_linear[v] + offset[c]);
      y = y > 0.f ? (y < 1.f ? y : 1.f) : 0.f;
      t[size_t(c) * 65536 + size_t(v)] = uint16_t(y * 65535.f + 0.5f);
    }
  return t;
}

}  // namespace fl::colour
