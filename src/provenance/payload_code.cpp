#include "provenance/payload_code.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

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
  std::vector<DecodedWord> words = decode_words(soft, 1);
  if (words.empty()) return std::nullopt;
  return words.front();
}

std::vector<DecodedWord> decode_words(std::span<const float> soft, int list_size) {
  if (soft.size() != size_t(kCodedBits) || list_size < 1) return {};
  const size_t list = size_t(std::min(list_size, kMaxListSize));
  // Each state's paths, best first: metric[state * list + rank], count[state] of them. The input
  // bit that led into a state is its top bit, so a step only records which of the state's two
  // predecessors it came from (its low bit) and the path's rank there: trace[t][state][rank].
  std::vector<double> metric(kStates * list), next_metric(kStates * list);
  std::array<size_t, kStates> count{}, next_count{};
  metric[0] = 0;
  count[0] = 1;
  std::vector<uint16_t> trace(size_t(kInputBits) * kStates * list);
  for (int t = 0; t < kInputBits; ++t) {
    const float* s = soft.data() + 3 * t;
    const bool tail = t >= kPayloadBits + kCheckBits;  // only 0s enter during the tail
    uint16_t* steps = trace.data() + size_t(t) * kStates * list;
    for (unsigned to = 0; to < unsigned(kStates); ++to) {
      next_count[to] = 0;
      const unsigned bit = to >> (kConstraint - 2);
      if (tail && bit) continue;
      // Both predecessors' lists are sorted and each shares one branch metric: merge them.
      std::array<double, 2> branch{};
      std::array<unsigned, 2> from{};
      for (unsigned low = 0; low <= 1; ++low) {
        from[low] = ((to << 1) & unsigned(kStates - 1)) | low;
        const unsigned c = coded(from[low], bit);
        for (int g = 0; g < 3; ++g) branch[low] += (c >> g) & 1 ? s[g] : -s[g];
      }
      const double* ma = metric.data() + from[0] * list;
      const double* mb = metric.data() + from[1] * list;
      const size_t na = count[from[0]], nb = count[from[1]];
      double* out = next_metric.data() + to * list;
      size_t a = 0, b = 0, n = 0;
      for (; n < list && (a < na || b < nb); ++n) {
        const bool take_a = b >= nb || (a < na && ma[a] + branch[0] >= mb[b] + branch[1]);
        if (take_a) {
          out[n] = ma[a] + branch[0];
          steps[to * list + n] = uint16_t(a++);
        } else {
          out[n] = mb[b] + branch[1];
          steps[to * list + n] = uint16_t(0x100 | b++);
        }
      }
      next_count[to] = n;
    }
    std::swap(metric, next_metric);
    std::swap(count, next_count);
  }
  double total = 0;
  for (float v : soft) total += std::fabs(v);
  std::vector<DecodedWord> words;
  for (size_t rank = 0; rank < count[0]; ++rank) {
    std::array<uint8_t, kInputBits> in{};
    unsigned state = 0;
    size_t r = rank;
    for (int t = kInputBits - 1; t >= 0; --t) {
      const uint16_t step = trace[(size_t(t) * kStates + state) * list + r];
      in[size_t(t)] = uint8_t(state >> (kConstraint - 2));
      state = ((state << 1) & unsigned(kStates - 1)) | unsigned(step >> 8);
      r = step & 0xff;
    }
    DecodedWord w;
    for (int i = 0; i < kPayloadBits; ++i) w.payload = (w.payload << 1) | in[size_t(i)];
    for (int i = 0; i < kCheckBits; ++i) w.check = (w.check << 1) | in[size_t(kPayloadBits + i)];
    w.agreement = total > 0 ? metric[rank] / total : 0;
    words.push_back(w);
  }
  return words;
}

}  // namespace fl::provenance
