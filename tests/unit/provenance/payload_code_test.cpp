// The watermark payload's code: what goes in comes out, through the errors a detector's soft
// decisions carry, and noise alone almost never passes for a payload.
#include "provenance/payload_code.h"

#include <gtest/gtest.h>

#include <random>

namespace fl::provenance {
namespace {

std::vector<float> hard(const std::vector<uint8_t>& bits) {
  std::vector<float> soft;
  for (uint8_t b : bits) soft.push_back(b ? 1.f : -1.f);
  return soft;
}

TEST(PayloadCode, TheCrcIsCcittFalse) {
  // "12345678" as the payload's 8 big-endian bytes (CRC-16/CCITT-FALSE, computed elsewhere).
  EXPECT_EQ(payload_crc(0x3132333435363738ull), 0xA12B);
}

TEST(PayloadCode, WhatGoesInComesOut) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 300; ++i) {
    const uint64_t payload = rng();
    const auto coded = encode_payload(payload);
    ASSERT_EQ(coded.size(), size_t(kCodedBits));
    auto decoded = decode_payload(hard(coded));
    ASSERT_TRUE(decoded) << i;
    EXPECT_EQ(decoded->payload, payload);
    EXPECT_DOUBLE_EQ(decoded->agreement, 1.0);
  }
  EXPECT_FALSE(decode_payload(std::vector<float>(kCodedBits - 1, 1.f)));
}

// The code's free distance is 15: any 7 flipped bits are corrected.
TEST(PayloadCode, AnySevenFlippedBitsAreCorrected) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 400; ++trial) {
    const uint64_t payload = rng();
    auto soft = hard(encode_payload(payload));
    std::uniform_int_distribution<int> at(0, kCodedBits - 1);
    for (int f = 0; f < 7; ++f) {
      int i = at(rng);
      while (soft[size_t(i)] != (encode_payload(payload)[size_t(i)] ? 1.f : -1.f)) i = at(rng);
      soft[size_t(i)] = -soft[size_t(i)];
    }
    auto decoded = decode_payload(soft);
    ASSERT_TRUE(decoded) << trial;
    EXPECT_EQ(decoded->payload, payload) << trial;
  }
}

// Soft decisions with Gaussian noise that flips 10% of their signs: the payload still comes back.
TEST(PayloadCode, SoftDecisionsThroughNoiseThatFlipsOneBitInTen) {
  std::mt19937_64 rng(3);
  std::normal_distribution<float> noise(0.f, 0.78f);  // P(|n| > 1, one side) = 0.10
  int exact = 0, wrong = 0, flipped = 0;
  const int trials = 500;
  for (int trial = 0; trial < trials; ++trial) {
    const uint64_t payload = rng();
    auto soft = hard(encode_payload(payload));
    for (auto& v : soft) {
      const float n = v + noise(rng);
      flipped += (n > 0) != (v > 0);
      v = n;
    }
    auto decoded = decode_payload(soft);
    if (decoded && decoded->payload == payload) ++exact;
    if (decoded && decoded->payload != payload) ++wrong;
  }
  const double ber = double(flipped) / (trials * kCodedBits);
  EXPECT_GT(ber, 0.08);
  EXPECT_GE(exact, trials * 99 / 100) << "raw bit error rate " << ber;
  EXPECT_EQ(wrong, 0);
}

// Noise alone (no mark): the CRC lets about one in 65,536 through.
TEST(PayloadCode, NoiseAlmostNeverPassesForAPayload) {
  std::mt19937_64 rng(5);
  std::normal_distribution<float> noise(0.f, 1.f);
  int passed = 0;
  for (int trial = 0; trial < 10000; ++trial) {
    std::vector<float> soft(kCodedBits);
    for (auto& v : soft) v = noise(rng);
    passed += decode_payload(soft).has_value();
  }
  EXPECT_LE(passed, 2);  // 0.15 expected
}

}  // namespace
}  // namespace fl::provenance
