#include "provenance/watermark_stage.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <numbers>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fl::provenance {

namespace {

// Rec.709 luma weights in Q16. The mask only needs "how textured is this block", so the matrix
// the output is later encoded with does not matter here.
constexpr int kLumaR = 13933, kLumaG = 46871, kLumaB = 4732;
// The most a block with no texture at all is changed, RMS, in 16-bit code units (0.35 8-bit
// codes).
constexpr double kFlatAmplitude = 90.0;
// Where the luma's standard deviation (the median of a block's 3 x 3 neighbourhood, 16-bit
// units) is below kFlatSigma (1.2 8-bit codes), no value of a block moves by more than kFlatPeak
// (16-bit units; 1.5 8-bit codes: the tile's peaks are clipped there), so an 8-bit delivery moves
// no pixel of a sky, a card or a fine-grained wall by more than 2 codes. Above it the limit grows
// twice as fast as the deviation, and soon stops clipping anything.
constexpr double kFlatSigma = 308.0;
constexpr double kFlatPeak = 384.0;

// What a block of the frame gets: the mark's amplitude (16-bit code units per unit of the
// tile) and the largest change any of its values may take.
struct BlockGain {
  int32_t amplitude = 0;
  int16_t limit = 0;
};

// The mean square of a unit-RMS Gaussian held to +-c: what is left of a block's mark energy when
// its peaks are clipped at c times its amplitude (the tile's values are close to Gaussian).
double clipped_power(double c) {
  if (c <= 0) return 0;
  if (c >= 8) return 1;
  const double tail = std::erfc(c / std::sqrt(2.0));  // P(|x| > c)
  const double density = std::exp(-0.5 * c * c) * std::numbers::inv_sqrtpi / std::numbers::sqrt2;
  return (1.0 - tail) - 2.0 * c * density + c * c * tail;
}

// Per block of `block` x `block` pixels: the mark's amplitude in 16-bit code units per unit of
// the tile, from the block's texture (mean absolute luma difference to the right and below, on
// every other row), relative to the frame's median block, clipped to [0.25, 2.5], smoothed over
// the 3 x 3 neighbouring blocks, and scaled so that the frame's RMS change meets `psnr_db`; and
// the largest change its values may take: kFlatPeak up to kFlatSigma, then growing with the
// block's deviation (a textured block's peaks stay).
// `luma(y, out)` fills out[0..width) with row y's luma in 16-bit code units.
template <typename LumaRow>
std::vector<BlockGain> block_gains(int width, int height, int block, double psnr_db, double sign,
                                   LumaRow&& luma) {
  const int bw = (width + block - 1) / block, bh = (height + block - 1) / block;
  std::vector<double> activity(size_t(bw) * size_t(bh), 0.0);
  // Per block, the sum and the sum of squares of the luma values read, and their count: its
  // standard deviation, which says whether it is flat as the eye (and the flat-area check) sees it.
  std::vector<double> moments(activity.size() * 2, 0.0);
  std::vector<int> counts(activity.size(), 0);
  std::vector<int32_t> row(static_cast<size_t>(width)), below(static_cast<size_t>(width));
  for (int by = 0; by < bh; ++by) {
    const int y0 = by * block, y1 = std::min(height, y0 + block);
    int pairs = 0;
    // Two rows in every four: the texture of a block is well measured from half of it.
    for (int y = y0; y + 1 < std::max(y1, y0 + 2) && y + 1 < height; y += 4, ++pairs) {
      luma(y, row.data());
      luma(y + 1, below.data());
      for (int bx = 0; bx < bw; ++bx) {
        const int x0 = bx * block, x1 = std::min(width - 1, x0 + block);
        int64_t sum = 0;
        double& s1 = moments[2 * (size_t(by) * size_t(bw) + size_t(bx))];
        double& s2 = moments[2 * (size_t(by) * size_t(bw) + size_t(bx)) + 1];
        for (int x = x0; x < x1; ++x) {
          sum += std::abs(row[size_t(x + 1)] - row[size_t(x)]) +
                 std::abs(below[size_t(x)] - row[size_t(x)]);
          s1 += double(row[size_t(x)]) + double(below[size_t(x)]);
          s2 +=
              double(row[size_t(x)]) * row[size_t(x)] + double(below[size_t(x)]) * below[size_t(x)];
        }
        counts[size_t(by) * size_t(bw) + size_t(bx)] += 2 * (x1 - x0);
        activity[size_t(by) * size_t(bw) + size_t(bx)] += double(sum) / std::max(1, x1 - x0);
      }
    }
    for (int bx = 0; bx < bw && pairs > 1; ++bx)
      activity[size_t(by) * size_t(bw) + size_t(bx)] /= pairs;
  }
  std::vector<double> sorted = activity;
  std::nth_element(sorted.begin(), sorted.begin() + long(sorted.size() / 2), sorted.end());
  // A frame with no texture at all (black, a flat card) gets the floor everywhere.
  const double median = std::max(sorted[sorted.size() / 2], 16.0);
  std::vector<double> mask(activity.size());
  for (size_t i = 0; i < mask.size(); ++i) mask[i] = std::clamp(activity[i] / median, 0.25, 2.5);
  std::vector<double> smooth(mask.size());
  double energy = 0;
  for (int by = 0; by < bh; ++by)
    for (int bx = 0; bx < bw; ++bx) {
      double sum = 0;
      int n = 0;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int y = by + dy, x = bx + dx;
          if (y < 0 || y >= bh || x < 0 || x >= bw) continue;
          sum += mask[size_t(y) * size_t(bw) + size_t(x)];
          ++n;
        }
      const double m = sum / n;
      smooth[size_t(by) * size_t(bw) + size_t(bx)] = m;
      energy += m * m;
    }
  // RMS change for the PSNR asked (the tile has unit RMS and is independent of the mask).
  const double target = 65535.0 / std::pow(10.0, psnr_db / 20.0);
  double alpha = target / std::sqrt(energy / double(smooth.size()));
  // The peak limits read a block's flatness as the median standard deviation of its 3 x 3
  // neighbourhood: a block of grain that reads high by chance (from 8 rows at most) or a flat
  // block beside an edge is then not taken for texture.
  std::vector<double> sigma(activity.size()), flatness(activity.size());
  for (size_t i = 0; i < sigma.size(); ++i) {
    const double n = std::max(1, counts[i]), mean = moments[2 * i] / n;
    sigma[i] = std::sqrt(std::max(0.0, moments[2 * i + 1] / n - mean * mean));
  }
  for (int by = 0; by < bh; ++by)
    for (int bx = 0; bx < bw; ++bx) {
      std::array<double, 9> around{};
      size_t n = 0;
      for (int y = std::max(0, by - 1); y <= std::min(bh - 1, by + 1); ++y)
        for (int x = std::max(0, bx - 1); x <= std::min(bw - 1, bx + 1); ++x)
          around[n++] = sigma[size_t(y) * size_t(bw) + size_t(x)];
      std::nth_element(around.begin(), around.begin() + long(n / 2), around.begin() + long(n));
      flatness[size_t(by) * size_t(bw) + size_t(bx)] = around[n / 2];
    }
  // The budget is relative, so a frame that is mostly flat would spend it on flat areas. A cap
  // keeps each block within 0.35 of an 8-bit step plus half its own texture (skies and cards get
  // almost nothing, whatever the rest of the frame is), and no block above 3x the frame's RMS.
  // What the caps and the peak limits take is given back to the blocks below them (water
  // filling), so a frame with flat areas still uses its budget where the texture hides it.
  std::vector<double> cap(smooth.size());
  for (size_t i = 0; i < cap.size(); ++i)
    cap[i] = std::min(kFlatAmplitude + 0.5 * activity[i], 3.0 * target);
  std::vector<double> limit(smooth.size());
  for (size_t i = 0; i < limit.size(); ++i)
    limit[i] = std::min(kFlatPeak + 2.0 * std::max(0.0, flatness[i] - kFlatSigma), 32767.0);
  // A block's mean square change at amplitude a, its peaks clipped at its limit.
  auto energy_of = [&](size_t i, double a) {
    return a > 0 ? a * a * clipped_power(limit[i] / a) : 0.0;
  };
  const double budget = target * target * double(smooth.size());
  for (int round = 0; round < 8; ++round) {
    double capped = 0, free = 0;
    for (size_t i = 0; i < cap.size(); ++i) {
      const double a = alpha * smooth[i];
      if (a >= cap[i])
        capped += energy_of(i, cap[i]);
      else
        free += energy_of(i, a);
    }
    if (free <= 0 || capped + free >= 0.995 * budget) break;
    alpha *= std::sqrt(std::max(0.0, budget - capped) / free);
  }
  std::vector<BlockGain> out(smooth.size());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].amplitude = int32_t(std::lround(std::min(alpha * smooth[i], cap[i]) * sign));
    out[i].limit = int16_t(std::lround(limit[i]));
  }
  return out;
}

// A block's amplitude, in 16-bit code units, as the Q4 factor the tile (Q12) is multiplied by:
// (tile * amplitude16) >> 16 is the change, exactly what SSE2's mulhi gives. Held to 2047 units
// (8 8-bit steps; a 44 dB mark stays under 1,300) so the factor fits an int16.
inline int16_t amplitude_q4(int32_t amplitude) {
  return int16_t(std::clamp(amplitude, -2047, 2047) * 16);
}
inline int16_t delta(int16_t tile_q12, int16_t amplitude16, int16_t limit) {
  return int16_t(
      std::clamp((int32_t(tile_q12) * amplitude16) >> 16, -int32_t(limit), int32_t(limit)));
}

// codes[i] += (tile[i] * amplitude16) >> 16, the change held to +-limit and the value to
// 0..65535.
void add_scaled(uint16_t* codes, const int16_t* tile, int16_t amplitude16, int16_t limit,
                size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  // The change from mulhi, held to the limit, then an unsigned saturating add of its positive
  // part and subtract of its negative part: eight values per step, no widening.
  const __m128i zero = _mm_setzero_si128(), a = _mm_set1_epi16(amplitude16);
  const __m128i hi = _mm_set1_epi16(limit), lo = _mm_set1_epi16(int16_t(-limit));
  for (; i + 8 <= n; i += 8) {
    const __m128i p = _mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + i));
    const __m128i d = _mm_max_epi16(
        _mm_min_epi16(
            _mm_mulhi_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(tile + i)), a), hi),
        lo);
    const __m128i up = _mm_max_epi16(d, zero), down = _mm_max_epi16(_mm_sub_epi16(zero, d), zero);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(codes + i),
                     _mm_subs_epu16(_mm_adds_epu16(p, up), down));
  }
#endif
  for (; i < n; ++i)
    codes[i] =
        uint16_t(std::clamp(int32_t(codes[i]) + delta(tile[i], amplitude16, limit), 0, 65535));
}

}  // namespace

int64_t epoch_frames(double frame_rate) {
  return std::max<int64_t>(1, std::llround(kEpochSeconds * (frame_rate > 0 ? frame_rate : 24.0)));
}

WatermarkStage::WatermarkStage(std::shared_ptr<const MarkLayout> layout, MarkOptions options)
    : layout_(std::move(layout)),
      options_(options),
      epoch_frames_(epoch_frames(options.frame_rate)) {}

WatermarkPayload WatermarkStage::payload(int64_t frame) const {
  return {options_.record & kMaxRecord, uint32_t((std::max<int64_t>(0, frame) / epoch_frames_)),
          kMarkVersion};
}

double WatermarkStage::sign(int64_t frame) const {
  return mark_sign(double(std::max<int64_t>(0, frame)) /
                   (options_.frame_rate > 0 ? options_.frame_rate : 24.0));
}

std::shared_ptr<const WatermarkStage::Tile> WatermarkStage::tile(int64_t frame, int height) const {
  const WatermarkPayload p = payload(frame);
  const int size = tile_size_for(height);
  const auto key = std::make_pair(p.epoch & 0xffff, size);
  {
    std::lock_guard lock(mu_);
    if (auto it = tiles_.find(key); it != tiles_.end()) return it->second;
  }
  // Made outside the lock: two threads may both make an epoch's tile; they make the same one.
  auto t = std::make_shared<Tile>();
  t->size = size;
  const std::vector<float> values = band_limited_tile(layout_->chips(p), size);
  t->q12.resize(values.size());
  t->q12x3.resize(values.size() * 3);
  for (size_t i = 0; i < values.size(); ++i) {
    t->q12[i] = int16_t(std::clamp(std::lround(values[i] * 4096.0f), -32767L, 32767L));
    t->q12x3[3 * i] = t->q12x3[3 * i + 1] = t->q12x3[3 * i + 2] = t->q12[i];
  }
  std::lock_guard lock(mu_);
  if (tiles_.size() >= 8) tiles_.erase(tiles_.begin());
  return tiles_.emplace(key, std::move(t)).first->second;
}

Status WatermarkStage::apply(int64_t frame, Rgb48Image& codes) const {
  if (codes.empty()) return ok_status();
  const int w = codes.width(), h = codes.height();
  const auto t = tile(frame, h);
  const int size = t->size, block = 8 * (size / kTileRef);
  const uint16_t* px = codes.data();
  const auto gains =
      block_gains(w, h, block, options_.psnr_db, sign(frame), [&](int y, int32_t* out) {
        const uint16_t* p = px + size_t(y) * size_t(w) * 3;
        for (int x = 0; x < w; ++x, p += 3)
          out[x] = int32_t(
              (uint32_t(p[0]) * kLumaR + uint32_t(p[1]) * kLumaG + uint32_t(p[2]) * kLumaB) >> 16);
      });
  const int bw = (w + block - 1) / block;
  uint16_t* data = codes.data();
  for (int y = 0; y < h; ++y) {
    const int16_t* trow = t->q12x3.data() + size_t(y % size) * size_t(size) * 3;
    const BlockGain* grow = gains.data() + size_t(y / block) * size_t(bw);
    uint16_t* row = data + size_t(y) * size_t(w) * 3;
    for (int bx = 0; bx < bw; ++bx) {
      const int x0 = bx * block, x1 = std::min(w, x0 + block);
      // A block never straddles the tile's edge (blocks divide the tile).
      add_scaled(row + size_t(x0) * 3, trow + size_t(x0 % size) * 3,
                 amplitude_q4(grow[bx].amplitude), grow[bx].limit, size_t(x1 - x0) * 3);
    }
  }
  return ok_status();
}

Status WatermarkStage::apply(int64_t frame, Image& linear) const {
  if (linear.empty()) return ok_status();
  const int w = linear.width(), h = linear.height();
  const auto t = tile(frame, h);
  const int size = t->size, block = 8 * (size / kTileRef);
  const colour::TransferCurve& curve = colour::TransferCurve::get(
      options_.transfer == colour::Transfer::kLinear ? colour::Transfer::kSrgb : options_.transfer);
  float* data = linear.data();
  auto code = [&](float v) { return std::clamp(curve.to_encoded(v), 0.f, 1.f) * 65535.f; };
  const auto gains =
      block_gains(w, h, block, options_.psnr_db, sign(frame), [&](int y, int32_t* out) {
        const float* p = data + size_t(y) * size_t(w) * 4;
        for (int x = 0; x < w; ++x, p += 4)
          out[x] = int32_t(code(p[0]) * (kLumaR / 65536.f) + code(p[1]) * (kLumaG / 65536.f) +
                           code(p[2]) * (kLumaB / 65536.f));
      });
  const int bw = (w + block - 1) / block;
  for (int y = 0; y < h; ++y) {
    const int16_t* trow = t->q12.data() + size_t(y % size) * size_t(size);
    const BlockGain* grow = gains.data() + size_t(y / block) * size_t(bw);
    float* p = data + size_t(y) * size_t(w) * 4;
    for (int x = 0; x < w; ++x, p += 4) {
      const BlockGain& g = grow[x / block];
      const float d = float(delta(trow[x % size], amplitude_q4(g.amplitude), g.limit)) / 65535.f;
      for (int c = 0; c < 3; ++c) {
        // Values beyond the code range (a float render's highlights) are moved, never clipped.
        const float e = curve.to_encoded(p[c]);
        p[c] = curve.to_linear(e >= 0.f && e <= 1.f ? std::clamp(e + d, 0.f, 1.f) : e + d);
      }
    }
  }
  return ok_status();
}

}  // namespace fl::provenance
