// The studio's watermark key (`framelock watermark keygen`): 256 secret bits that mark and read
// every watermark of the studio. Kept in a file only its owner may read; everything the marks
// need is derived from it per purpose (HMAC-SHA256), and what is printed about it is a
// fingerprint, never the key.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "framelock/status.h"

namespace fl::provenance {

struct WatermarkKey {
  std::array<uint8_t, 32> secret{};
  // 16 hex digits that name the key in records and messages (a hash: it reveals nothing).
  std::string fingerprint() const;
  // HMAC-SHA256(secret, "framelock watermark " + purpose): one independent key per use.
  std::array<uint8_t, 32> derive(std::string_view purpose) const;
  // A payload's check: the first 4 bytes of HMAC-SHA256(derive("check"), its 8 bytes, big-
  // endian). Without the key it cannot be made, so a mark cannot be forged from a decoded one.
  uint32_t check(uint64_t payload) const;
};

Result<WatermarkKey> generate_watermark_key();
// "framelock-watermark-key 1 <64 hex digits>\n"
std::string watermark_key_text(const WatermarkKey& key);
// Errors name `source` and what is wrong with it.
Result<WatermarkKey> parse_watermark_key(std::string_view text, std::string_view source);
// Refuses a key file that others than its owner may read or write (as ssh does), naming the
// mode and the fix.
Result<WatermarkKey> read_watermark_key(const std::string& path);
// A new file, mode 0600, never over an existing one (a lost studio key makes every mark made
// with it unreadable).
Status write_watermark_key(const WatermarkKey& key, const std::string& path);

}  // namespace fl::provenance
