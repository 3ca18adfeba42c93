#include "provenance/payload_code.h"

#include <array>
#include <bit>
#include <cmath>
#include <limits>

namespace fl::provenance {

namespace {

constexpr int kStates = 1 << (kConstraint - 1);
constexpr int kInputBits = kPayloadBits + kCheckBits + kConstraint - 1;
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

// The payload, its check, and the tail that returns the encoder to state 0: the input bits.
std::array<uint8_t, kInputBits> input_bits(uint64_t payload, const WatermarkKey& key) {
  std::array<uint8_t, kInputBits> in{};
  for (int i = 0; i < kPayloadBits; ++i) in[size_t(i)] = uint8_t((payload >> (63 - i)) & 1);
  const uint32_t check = key.check(payload);
  for (int i = 0; i < kCheckBits; ++i)
    in[size_t(kPayloadBits + i)] = uint8_t((check >> (kCheckBits - 1 - i)) & 1);
  return in;  // the tail stays 0
}

}  // namespace

std::vector<uint8_t> encode_payload(uint64_t payload, const WatermarkKey& key) {
  std::vector<uint8_t> out;
  out.reserve(kCodedBits);
  unsigned state = 0;
  for (uint8_t bit : input_bits(payload, key)) {
    const unsigned c = coded(state, bit);
    for (size_t g = 0; g < kGenerators.size(); ++g) out.push_back(uint8_t((c >> g) & 1));
    state = next_state(state, bit);
  }
  return out;
}

std::optional<Decoded> decode_payload(std::span<const float> soft, const WatermarkKey& key) {
  const auto word = decode_word(soft);
  if (!word || word->check != key.check(word->payload)) return std::nullopt;
  return Decoded{word->payload, word->agreement};
}

std::optional<DecodedWord> decode_word(std::span<const float> soft) {
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
    const bool tail = t >= kPayloadBits + kCheckBits;  // only 0s enter during the tail
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
  uint32_t check = 0;
  for (int i = 0; i < kCheckBits; ++i) check = (check << 1) | in[size_t(kPayloadBits + i)];
  double total = 0;
  for (float v : soft) total += std::fabs(v);
  return DecodedWord{payload, check, total > 0 ? metric[0] / total : 0};
}

}  // namespace fl::provenance
