#include "provenance/watermark_pattern.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include <opencv2/core.hpp>

#include "provenance/payload_code.h"

namespace fl::provenance {

namespace {

std::array<uint8_t, 32> hmac(const std::array<uint8_t, 32>& key, const uint8_t* data, size_t n) {
  std::array<uint8_t, 32> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), data, n, out.data(), &len);
  return out;
}

// Keyed pseudo-random bytes: HMAC-SHA256(key, counter) blocks, one after another.
class KeyStream {
 public:
  explicit KeyStream(std::array<uint8_t, 32> key) : key_(key) {}
  uint8_t byte() {
    if (used_ == block_.size()) {
      uint8_t c[8];
      for (int i = 0; i < 8; ++i) c[i] = uint8_t(counter_ >> (56 - 8 * i));
      block_ = hmac(key_, c, sizeof c);
      ++counter_;
      used_ = 0;
    }
    return block_[used_++];
  }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | byte();
    return v;
  }
  // Uniform in [0, n), without modulo bias.
  uint32_t below(uint32_t n) {
    const uint32_t limit = UINT32_MAX - UINT32_MAX % n;
    for (;;)
      if (uint32_t v = u32(); v < limit) return v % n;
  }

 private:
  std::array<uint8_t, 32> key_;
  std::array<uint8_t, 32> block_{};
  size_t used_ = 32;
  uint64_t counter_ = 0;
};

uint32_t feistel_round(const std::array<uint8_t, 32>& key, int round, uint32_t half) {
  const uint8_t in[5] = {uint8_t(round), uint8_t(half >> 24), uint8_t(half >> 16),
                         uint8_t(half >> 8), uint8_t(half)};
  const auto h = hmac(key, in, sizeof in);
  return uint32_t(h[0]) << 24 | uint32_t(h[1]) << 16 | uint32_t(h[2]) << 8 | h[3];
}

constexpr int kFeistelRounds = 4;

}  // namespace

int tile_size_for(int height) {
  const int k = std::max(1, int(std::lround(height / 540.0)));
  return kTileRef * k;
}

uint64_t WatermarkPayload::pack() const {
  return (record & kMaxRecord) << 24 | uint64_t(epoch & 0xffff) << 8 | version;
}

WatermarkPayload WatermarkPayload::unpack(uint64_t bits) {
  return {bits >> 24, uint32_t(bits >> 8 & 0xffff), uint8_t(bits & 0xff)};
}

MarkLayout::MarkLayout(const WatermarkKey& key)
    : key_(key), salt_key_(key.derive("pilot salt")), feistel_key_(key.derive("scramble")) {
  std::vector<int> order(kChipCount);
  std::iota(order.begin(), order.end(), 0);
  KeyStream layout(key.derive("layout"));
  for (int i = kChipCount - 1; i > 0; --i)
    std::swap(order[size_t(i)], order[layout.below(uint32_t(i + 1))]);
  // Coded bit b gets chips order[b], order[b + kCodedBits], ...: each bit scattered over the
  // whole tile. The chips left over are the pilot's.
  bit_of_.assign(kChipCount, -1);
  for (int i = 0; i < kCodedBits * kChipsPerBit; ++i)
    bit_of_[size_t(order[size_t(i)])] = i % kCodedBits;
  KeyStream signs(key.derive("data signs"));
  data_sign_.resize(kChipCount);
  for (float& s : data_sign_) s = signs.byte() & 1 ? 1.f : -1.f;
  pilot_sign_.resize(kSalts);
  for (int salt = 0; salt < kSalts; ++salt) {
    KeyStream pilot(key.derive("pilot " + std::to_string(salt)));
    auto& p = pilot_sign_[size_t(salt)];
    p.assign(kChipCount, 0.f);
    for (int c = 0; c < kChipCount; ++c)
      if (bit_of_[size_t(c)] < 0) p[size_t(c)] = pilot.byte() & 1 ? 1.f : -1.f;
    pilot_tile_.push_back(band_limited_tile(p, kTileRef));
  }
}

const std::vector<float>& MarkLayout::pilot_tile(int salt) const {
  return pilot_tile_[size_t(std::clamp(salt, 0, kSalts - 1))];
}

int MarkLayout::salt_for(uint64_t record) const {
  uint8_t in[8];
  for (int i = 0; i < 8; ++i) in[i] = uint8_t(record >> (56 - 8 * i));
  return hmac(salt_key_, in, sizeof in)[0] % kSalts;
}

uint64_t MarkLayout::scramble(uint64_t payload) const {
  uint32_t left = uint32_t(payload >> 32), right = uint32_t(payload);
  for (int r = 0; r < kFeistelRounds; ++r) {
    const uint32_t next = left ^ feistel_round(feistel_key_, r, right);
    left = right;
    right = next;
  }
  return uint64_t(left) << 32 | right;
}

uint64_t MarkLayout::unscramble(uint64_t wire) const {
  uint32_t left = uint32_t(wire >> 32), right = uint32_t(wire);
  for (int r = kFeistelRounds - 1; r >= 0; --r) {
    const uint32_t prev = right ^ feistel_round(feistel_key_, r, left);
    right = left;
    left = prev;
  }
  return uint64_t(left) << 32 | right;
}

std::vector<float> MarkLayout::pilot_chips(int salt) const {
  return pilot_sign_[size_t(std::clamp(salt, 0, kSalts - 1))];
}

std::vector<float> MarkLayout::chips(const WatermarkPayload& payload) const {
  std::vector<float> out = pilot_chips(salt_for(payload.record));
  const std::vector<uint8_t> coded = encode_payload(scramble(payload.pack()), key_);
  for (int c = 0; c < kChipCount; ++c)
    if (const int b = bit_of_[size_t(c)]; b >= 0)
      out[size_t(c)] = (coded[size_t(b)] ? 1.f : -1.f) * data_sign_[size_t(c)];
  return out;
}

std::vector<float> band_limited_tile(const std::vector<float>& chips, int size) {
  const int chip = size / kChipsPerSide;
  cv::Mat tile(size, size, CV_32F);
  for (int y = 0; y < size; ++y) {
    float* row = tile.ptr<float>(y);
    const float* c = chips.data() + size_t(y / chip) * kChipsPerSide;
    for (int x = 0; x < size; ++x) row[x] = c[x / chip];
  }
  cv::Mat spectrum;
  cv::dft(tile, spectrum, cv::DFT_COMPLEX_OUTPUT);
  // The band is in cycles per tile, the same at every tile size: a 1024 px tile is the 256 px
  // one, finer sampled.
  for (int y = 0; y < size; ++y) {
    const int fy = y <= size / 2 ? y : y - size;
    auto* row = spectrum.ptr<cv::Vec2f>(y);
    for (int x = 0; x < size; ++x) {
      const int fx = x <= size / 2 ? x : x - size;
      const double r = std::hypot(double(fx), double(fy));
      if (r < kBandLow || r > kBandHigh) row[x] = {0.f, 0.f};
    }
  }
  cv::Mat back;
  cv::dft(spectrum, back, cv::DFT_INVERSE | cv::DFT_REAL_OUTPUT | cv::DFT_SCALE);
  const double rms = std::sqrt(cv::mean(back.mul(back))[0]);
  std::vector<float> out(size_t(size) * size_t(size));
  for (int y = 0; y < size; ++y) {
    const float* row = back.ptr<float>(y);
    for (int x = 0; x < size; ++x) out[size_t(y) * size_t(size) + size_t(x)] = float(row[x] / rms);
  }
  return out;
}

double mark_sign(double seconds) {
  double u = seconds / kTurnSeconds;
  u -= std::floor(u);
  // Rising from -1 over [0, r), +1 until 1/2, falling over [1/2, 1/2 + r), -1 to the end.
  const double r = kRampShare, half = 0.5;
  auto step = [](double x) { return x * x * (3.0 - 2.0 * x); };
  if (u < r) return 2.0 * step(u / r) - 1.0;
  if (u < half) return 1.0;
  if (u < half + r) return 1.0 - 2.0 * step((u - half) / r);
  return -1.0;
}

}  // namespace fl::provenance
