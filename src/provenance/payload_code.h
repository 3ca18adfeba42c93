// The watermark's payload on the wire: 64 bits, a CRC-16 that says whether a decode is one, and a
// convolutional code (constraint length 7, rate 1/3, the generators 133, 171, 165 octal of
// 3GPP's and the DVB family's codes) that corrects the bits a re-encode, a rescale or a crop
// flipped. The decoder is a soft-decision Viterbi: each coded bit comes with the detector's
// confidence, so weak evidence counts for less than strong.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace fl::provenance {

inline constexpr int kPayloadBits = 64;
inline constexpr int kCrcBits = 16;
inline constexpr int kConstraint = 7;
// (64 + 16 + 6 tail bits) x 3
inline constexpr int kCodedBits = (kPayloadBits + kCrcBits + kConstraint - 1) * 3;

// CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF) of the payload's 8 bytes, big-endian.
uint16_t payload_crc(uint64_t payload);

// kCodedBits bits, each 0 or 1.
std::vector<uint8_t> encode_payload(uint64_t payload);

struct Decoded {
  uint64_t payload = 0;
  // How well the most likely path agrees with the soft bits, in [-1, 1]: 1 when every soft bit
  // has the sign the path wants, at full weight.
  double agreement = 0;
};
// `soft`: kCodedBits values, > 0 where a 1 is more likely, < 0 for a 0, 0 for no evidence; their
// magnitude is the confidence. The payload when the decoded CRC holds, nullopt otherwise (also
// for a wrong count).
std::optional<Decoded> decode_payload(std::span<const float> soft);

}  // namespace fl::provenance
