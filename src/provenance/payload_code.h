// The watermark's payload on the wire: 64 bits, a 32-bit check keyed by the studio's key (so
// that noise, or another studio's mark, decodes to nothing: one in 2^32), and a convolutional code
// (constraint length 7, rate 1/3, the generators 133, 171, 165 octal of 3GPP's and the DVB family's
// codes) that corrects the bits a re-encode, a rescale or a crop flipped. The decoder is a
// soft-decision Viterbi: each coded bit comes with the detector's confidence, so weak evidence
// counts for less than strong.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "provenance/watermark_key.h"

namespace fl::provenance {

inline constexpr int kPayloadBits = 64;
inline constexpr int kCheckBits = 32;
inline constexpr int kConstraint = 7;
// (64 + 32 + 6 tail bits) x 3
inline constexpr int kCodedBits = (kPayloadBits + kCheckBits + kConstraint - 1) * 3;

// kCodedBits bits, each 0 or 1: the payload, its check under `key` (WatermarkKey::check), and
// the tail, encoded.
std::vector<uint8_t> encode_payload(uint64_t payload, const WatermarkKey& key);

struct Decoded {
  uint64_t payload = 0;
  // How well the most likely path agrees with the soft bits, in [-1, 1]: 1 when every soft bit
  // has the sign the path wants, at full weight.
  double agreement = 0;
};
// `soft`: kCodedBits values, > 0 where a 1 is more likely, < 0 for a 0, 0 for no evidence; their
// magnitude is the confidence. The payload when its decoded check is the one `key` gives it,
// nullopt otherwise (also for a wrong count).
std::optional<Decoded> decode_payload(std::span<const float> soft, const WatermarkKey& key);

// The most likely payload and check, whether the check is right or not (nullopt only for a
// wrong count). Under no mark the check is right once in 2^32, and its top 8 bits once in 256:
// the null trials count those near misses to show that the rarer event's model holds.
struct DecodedWord {
  uint64_t payload = 0;
  uint32_t check = 0;
  double agreement = 0;
};
std::optional<DecodedWord> decode_word(std::span<const float> soft);

// The `list_size` most likely words, best first (a parallel list Viterbi decoder: each state
// keeps its `list_size` best paths, not one). Where the best path's check is wrong, one of the
// runners-up is often the sent word, and the check tells which: the detector tries each, and
// counts each as an attempt against the false-positive bound. Empty for a wrong count.
inline constexpr int kMaxListSize = 64;
std::vector<DecodedWord> decode_words(std::span<const float> soft, int list_size);

}  // namespace fl::provenance
