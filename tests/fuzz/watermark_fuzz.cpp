// libFuzzer target for what a watermark reader takes from outside: the key file's text, and the
// soft decisions a detector hands the payload decoder (any floats, NaN and infinities included).
// A key that parses writes back to the same key; a decoded payload re-encodes and decodes again
// to itself; the list decoder's first word is the Viterbi decoder's.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "provenance/payload_code.h"
#include "provenance/watermark_key.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fl::provenance;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto key = parse_watermark_key(text, "fuzz.key"); key.ok()) {
    auto again = parse_watermark_key(watermark_key_text(*key), "again");
    if (!again.ok() || again->secret != key->secret) std::abort();
  }
  std::vector<float> soft(size / sizeof(float));
  if (!soft.empty()) std::memcpy(soft.data(), data, soft.size() * sizeof(float));
  soft.resize(kCodedBits, 0.f);  // short inputs: the rest carries no evidence
  WatermarkKey key;              // all zeros: the check any fixed key gives
  if (auto decoded = decode_payload(soft, key)) {
    std::vector<float> clean;
    for (uint8_t b : encode_payload(decoded->payload, key)) clean.push_back(b ? 1.f : -1.f);
    auto again = decode_payload(clean, key);
    if (!again || again->payload != decoded->payload) std::abort();
    if (!(decoded->agreement >= -1.0001 && decoded->agreement <= 1.0001)) std::abort();
  }
  // The list decoder: at most the list asked for, and its first word the Viterbi decoder's.
  const int list = 1 + (size > 0 ? data[0] % kMaxListSize : 0);
  const auto words = decode_words(soft, list);
  const auto best = decode_word(soft);
  if (words.size() > size_t(list) || words.empty() != !best) std::abort();
  if (best && (words[0].payload != best->payload || words[0].check != best->check)) std::abort();
  return 0;
}
