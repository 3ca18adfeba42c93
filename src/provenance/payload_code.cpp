#include "provenance/payload_code.h"

#include <array>
#include <bit>
#include <cmath>
#include <limits>

namespace fl::provenance {

namespace {

constexpr int kStates = 1 << (kConstraint - 1);
constexpr int kInputBits = kPayloadBits + kCrcBits + kConstraint - 1;
constexpr std::array<unsigned, 3> kGenerators = {0133, 0171, 0165};

// The three coded bits for input `bit` entering the encoder in `state` (the last six inputs,
// the newest in bit 5).
unsigned coded(unsigned state, unsigned bit) {
  const unsigned reg = (bit << (kConstraint - 1)) | state;
  unsigned out = 0;
  for (size_t g = 0; g < kGenerators.size(); ++g)
    out |= unsigned(std::popcount(reg & kGenerators[g]) & 1) << g;
  return out;
}

unsigned next_state(unsigned state, unsigned bit) {
  return ((bit << (kConstraint - 1)) | state) >> 1;
}

// The payload, its CRC, and the tail that returns the encoder to state 0: the input bits.
std::array<uint8_t, kInputBits> input_bits(uint64_t payload) {
  std::array<uint8_t, kInputBits> in{};
  for (int i = 0; i < kPayloadBits; ++i) in[size_t(i)] = uint8_t((payload >> (63 - i)) & 1);
  const uint16_t crc = payload_crc(payload);
  for (int i = 0; i < kCrcBits; ++i)
    in[size_t(kPayloadBits + i)] = uint8_t((crc >> (kCrcBits - 1 - i)) & 1);
  return in;  // the tail stays 0
}

}  // namespace

uint16_t payload_crc(uint64_t payload) {
  uint16_t crc = 0xFFFF;
  for (int byte = 7; byte >= 0; --byte) {
    crc ^= uint16_t(((payload >> (8 * byte)) & 0xFF) << 8);
    for (int b = 0; b < 8; ++b) crc = uint16_t(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc;
}

std::vector<uint8_t> encode_payload(uint64_t payload) {
  std::vector<uint8_t> out;
  out.reserve(kCodedBits);
  unsigned state = 0;
  for (uint8_t bit : input_bits(payload)) {
    const unsigned c = coded(state, bit);
    for (size_t g = 0; g < kGenerators.size(); ++g) out.push_back(uint8_t((c >> g) & 1));
    state = next_state(state, bit);
  }
  return out;
}

std::optional<Decoded> decode_payload(std::span<const float> soft) {
  if (soft.size() != size_t(kCodedBits)) return std::nullopt;
  constexpr double kUnreached = -std::numeric_limits<double>::infinity();
  std::array<double, kStates> metric;
  metric.fill(kUnreached);
  metric[0] = 0;
  // survivors[t][s]: the input bit and previous state of the best path into s after step t.
  std::vector<std::array<uint8_t, kStates>> from(kInputBits), bits(kInputBits);
  for (int t = 0; t < kInputBits; ++t) {
    std::array<double, kStates> next;
    next.fill(kUnreached);
    const float* s = soft.data() + 3 * t;
    const bool tail = t >= kPayloadBits + kCrcBits;  // only 0s enter during the tail
    for (unsigned state = 0; state < unsigned(kStates); ++state) {
      if (metric[state] == kUnreached) continue;
      for (unsigned bit = 0; bit <= (tail ? 0u : 1u); ++bit) {
        const unsigned c = coded(state, bit);
        double m = metric[state];
        for (int g = 0; g < 3; ++g) m += (c >> g) & 1 ? s[g] : -s[g];
        const unsigned to = next_state(state, bit);
        if (m > next[to]) {
          next[to] = m;
          from[size_t(t)][to] = uint8_t(state);
          bits[size_t(t)][to] = uint8_t(bit);
        }
      }
    }
    metric = next;
  }
  if (metric[0] == kUnreached) return std::nullopt;
  std::array<uint8_t, kInputBits> in{};
  unsigned state = 0;
  for (int t = kInputBits - 1; t >= 0; --t) {
    in[size_t(t)] = bits[size_t(t)][state];
    state = from[size_t(t)][state];
  }
  uint64_t payload = 0;
  for (int i = 0; i < kPayloadBits; ++i) payload = (payload << 1) | in[size_t(i)];
  uint16_t crc = 0;
  for (int i = 0; i < kCrcBits; ++i) crc = uint16_t((crc << 1) | in[size_t(kPayloadBits + i)]);
  if (crc != payload_crc(payload)) return std::nullopt;
  double total = 0;
  for (float v : soft) total += std::fabs(v);
  return Decoded{payload, total > 0 ? metric[0] / total : 0};
}

}  // namespace fl::provenance
