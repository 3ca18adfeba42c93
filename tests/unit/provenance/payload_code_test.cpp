// The watermark payload's code: what goes in comes out, through the errors a detector's soft
// decisions carry; noise, and another key's mark, never pass for a payload.
#include "provenance/payload_code.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <random>
#include <span>

namespace fl::provenance {
namespace {

std::vector<float> hard(const std::vector<uint8_t>& bits) {
  std::vector<float> soft;
  for (uint8_t b : bits) soft.push_back(b ? 1.f : -1.f);
  return soft;
}

// A payload's coded bits as a detector would hand them over: +-1 with Gaussian noise of
// `sigma`; `flipped` counts the signs the noise turned.
std::vector<float> received(uint64_t payload, const WatermarkKey& key, float sigma,
                            std::mt19937_64& rng, int* flipped = nullptr) {
  std::normal_distribution<float> noise(0.f, sigma);
  auto soft = hard(encode_payload(payload, key));
  for (auto& v : soft) {
    const float n = v + noise(rng);
    if (flipped) *flipped += (n > 0) != (v > 0);
    v = n;
  }
  return soft;
}

WatermarkKey test_key(uint8_t first = 0) {
  WatermarkKey k;
  for (size_t i = 0; i < k.secret.size(); ++i) k.secret[i] = uint8_t(first + i);
  return k;
}

TEST(PayloadCode, TheCheckIsTheKeysHmac) {
  // HMAC-SHA256(HMAC-SHA256(00 01 .. 1f, "framelock watermark check"), 01 23 .. ef), first 4
  // bytes, computed with Python's hmac.
  EXPECT_EQ(test_key().check(0x0123456789abcdefull), 0x05b1d601u);
  EXPECT_NE(test_key(1).check(0x0123456789abcdefull), 0x05b1d601u);
}

TEST(PayloadCode, WhatGoesInComesOut) {
  const WatermarkKey key = test_key();
  std::mt19937_64 rng(7);
  for (int i = 0; i < 300; ++i) {
    const uint64_t payload = rng();
    const auto coded = encode_payload(payload, key);
    ASSERT_EQ(coded.size(), size_t(kCodedBits));
    auto decoded = decode_payload(hard(coded), key);
    ASSERT_TRUE(decoded) << i;
    EXPECT_EQ(decoded->payload, payload);
    EXPECT_DOUBLE_EQ(decoded->agreement, 1.0);
  }
  EXPECT_FALSE(decode_payload(std::vector<float>(kCodedBits - 1, 1.f), key));
  // Another studio's key reads nothing in it.
  EXPECT_FALSE(decode_payload(hard(encode_payload(42, key)), test_key(9)));
}

// The code's free distance is 15: any 7 flipped bits are corrected.
TEST(PayloadCode, AnySevenFlippedBitsAreCorrected) {
  const WatermarkKey key = test_key();
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 400; ++trial) {
    const uint64_t payload = rng();
    auto soft = hard(encode_payload(payload, key));
    std::uniform_int_distribution<int> at(0, kCodedBits - 1);
    for (int f = 0; f < 7; ++f) {
      int i = at(rng);
      while (soft[size_t(i)] != (encode_payload(payload, key)[size_t(i)] ? 1.f : -1.f)) i = at(rng);
      soft[size_t(i)] = -soft[size_t(i)];
    }
    auto decoded = decode_payload(soft, key);
    ASSERT_TRUE(decoded) << trial;
    EXPECT_EQ(decoded->payload, payload) << trial;
  }
}

// Soft decisions with Gaussian noise that flips 10% of their signs: the payload still comes back.
TEST(PayloadCode, SoftDecisionsThroughNoiseThatFlipsOneBitInTen) {
  const WatermarkKey key = test_key();
  std::mt19937_64 rng(3);
  int exact = 0, wrong = 0, flipped = 0;
  const int trials = 500;
  for (int trial = 0; trial < trials; ++trial) {
    const uint64_t payload = rng();
    // sigma 0.78: P(|n| > 1, one side) = 0.10
    const auto soft = received(payload, key, 0.78f, rng, &flipped);
    auto decoded = decode_payload(soft, key);
    if (decoded && decoded->payload == payload) ++exact;
    if (decoded && decoded->payload != payload) ++wrong;
  }
  const double ber = double(flipped) / (trials * kCodedBits);
  EXPECT_GT(ber, 0.08);
  EXPECT_GE(exact, trials * 99 / 100) << "raw bit error rate " << ber;
  EXPECT_EQ(wrong, 0);
}

// The first word of a list whose check is right, as the detector takes it.
std::optional<uint64_t> list_decode(std::span<const float> soft, const WatermarkKey& key,
                                    int list_size) {
  for (const DecodedWord& w : decode_words(soft, list_size))
    if (key.check(w.payload) == w.check) return w.payload;
  return std::nullopt;
}

// The list decoder's first word is the Viterbi decoder's, its words are distinct and ordered by
// agreement, and at a raw error rate of 20% (where the best path alone is often wrong) the
// check finds the sent word among the runners-up far more often; a wrong word never passes.
TEST(PayloadCode, TheListDecoderRecoversWhatTheBestPathAloneMisses) {
  const WatermarkKey key = test_key();
  std::mt19937_64 rng(13);
  int single = 0, listed = 0, wrong = 0;
  const int trials = 300;
  for (int trial = 0; trial < trials; ++trial) {
    const uint64_t payload = rng();
    const auto soft = received(payload, key, 1.2f, rng);  // P(|n| > 1, one side) = 0.20
    const auto words = decode_words(soft, 64);
    ASSERT_EQ(words.size(), 64u);
    const auto best = decode_word(soft);
    ASSERT_TRUE(best);
    EXPECT_EQ(words[0].payload, best->payload);
    EXPECT_EQ(words[0].check, best->check);
    for (size_t i = 1; i < words.size(); ++i) {
      EXPECT_LE(words[i].agreement, words[i - 1].agreement);
      EXPECT_FALSE(words[i].payload == words[i - 1].payload &&
                   words[i].check == words[i - 1].check);
    }
    const auto one = decode_payload(soft, key);
    single += one && one->payload == payload;
    const auto found = list_decode(soft, key, 64);
    listed += found && *found == payload;
    wrong += found && *found != payload;
  }
  EXPECT_LT(single, trials * 80 / 100);
  EXPECT_GE(listed, single + trials / 10) << "plain " << single << ", list " << listed;
  EXPECT_EQ(wrong, 0);
  std::printf("plain Viterbi %d/%d, list of 64 %d/%d\n", single, trials, listed, trials);
  EXPECT_TRUE(decode_words(std::vector<float>(kCodedBits + 1, 1.f), 8).empty());
}

// Noise alone (no mark): the check lets one in 2^32 through.
TEST(PayloadCode, NoiseAlmostNeverPassesForAPayload) {
  const WatermarkKey key = test_key();
  std::mt19937_64 rng(5);
  std::normal_distribution<float> noise(0.f, 1.f);
  int passed = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<float> soft(kCodedBits);
    for (auto& v : soft) v = noise(rng);
    passed += list_decode(soft, key, 16).has_value();  // 32,000 words tried
  }
  EXPECT_EQ(passed, 0);
}

}  // namespace
}  // namespace fl::provenance
