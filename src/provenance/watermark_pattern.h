// The watermark's pattern (docs/design/watermark.md, "FLWM-1"): a tile of 64 x 64 keyed chips,
// band-passed to periods of 1/48 to 1/8 of the tile, repeated over the frame and added to luma.
// About a third of the chips are a pilot, which the detector finds at any scale and offset
// without the payload; the rest carry the payload's coded bits, each bit spread over chips all
// across the tile, so a crop or a flat area loses a share of every bit rather than whole bits.
//
// Nothing is common to all assets of a studio: the data chips follow the payload (record and
// epoch) through a keyed permutation of its bits, and the pilot is one of kSalts keyed patterns,
// chosen by the record. Averaging frames of many outputs therefore converges to no pattern.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "provenance/watermark_key.h"

namespace fl::provenance {

// The tile at the reference size: frames of about 540 lines use it as it is; taller ones a
// multiple (1080p: 512 px, 2160p: 1024 px), so the pattern scales with the picture.
inline constexpr int kTileRef = 256;
inline constexpr int kChipsPerSide = 64;
inline constexpr int kChipCount = kChipsPerSide * kChipsPerSide;
inline constexpr int kChipsPerBit = 9;
inline constexpr int kSalts = 16;
// The pass band, in cycles per tile (periods of 1/48 to 1/8 of the tile).
inline constexpr double kBandLow = kTileRef / 48.0;
inline constexpr double kBandHigh = kTileRef / 8.0;

// The mark's sign over time. A mark that never changes is, on a shot that does not move, as
// still as the picture under it, and only the picture's spatial spectrum tells them apart: the
// host then drowns it (vtest, a locked-off dialogue shot, and any SD picture scaled down). So
// the whole tile, pilot and data, turns over every kTurnSeconds: +1 for most of each half,
// through a smooth ramp of kRampShare of the period, to -1. The detector weighs each frame by
// the sign's first harmonic, with the excerpt's mean taken out, and what does not move cancels.
// The ramp is a polynomial of the time (no library function), so every machine makes the same
// bytes.
inline constexpr double kTurnSeconds = 2.0;
inline constexpr double kRampShare = 0.125;
double mark_sign(double seconds);

// The tile size for frames `height` lines tall.
int tile_size_for(int height);

// 1: a still mark (sessions 18-21); 2: a mark that turns over in time (mark_sign).
inline constexpr uint8_t kMarkVersion = 2;

// What a payload says: the output record (the audit log's), the epoch (which 4 s of the output
// the frame is in, so that a long output carries a pattern that changes), and the format.
struct WatermarkPayload {
  uint64_t record = 0;  // 40 bits
  uint32_t epoch = 0;   // 16 bits
  uint8_t version = kMarkVersion;
  uint64_t pack() const;
  static WatermarkPayload unpack(uint64_t bits);
};
inline constexpr uint64_t kMaxRecord = (uint64_t(1) << 40) - 1;

// The keyed layout of a studio's marks: which chips are pilot, which carry which coded bit, and
// the keyed signs. Built once per key.
class MarkLayout {
 public:
  explicit MarkLayout(const WatermarkKey& key);

  const WatermarkKey& key() const { return key_; }
  // The pilot salt of a record (which of the kSalts pilots its outputs carry).
  int salt_for(uint64_t record) const;
  // The payload as it travels: a keyed permutation of its 64 bits (a Feistel network), so that
  // fields that are the same in many payloads (the version, a record's high bits) do not give
  // the same chips in every asset.
  uint64_t scramble(uint64_t payload) const;
  uint64_t unscramble(uint64_t wire) const;

  // The 64 x 64 chip values (+1/-1, row-major) of a payload's tile: pilot and data.
  std::vector<float> chips(const WatermarkPayload& payload) const;
  // The pilot's chips alone (data chips 0).
  std::vector<float> pilot_chips(int salt) const;
  // The pilot's tile at the reference size (band_limited_tile of its chips), made once per key:
  // what the detector correlates with.
  const std::vector<float>& pilot_tile(int salt) const;

  // chip -> coded bit (or -1 for a pilot chip), and the chip's keyed sign.
  int bit_of(int chip) const { return bit_of_[size_t(chip)]; }
  float data_sign(int chip) const { return data_sign_[size_t(chip)]; }

 private:
  WatermarkKey key_;
  std::array<uint8_t, 32> salt_key_{}, feistel_key_{};
  std::vector<int> bit_of_;
  std::vector<float> data_sign_;
  std::vector<std::vector<float>> pilot_sign_;  // [salt][chip], 0 on data chips
  std::vector<std::vector<float>> pilot_tile_;  // [salt], kTileRef x kTileRef
};

// Chips (64 x 64) made into a size x size tile: each chip a square, then band-passed (a DFT, so
// the tile stays exactly periodic) and scaled to unit RMS. Row-major floats.
std::vector<float> band_limited_tile(const std::vector<float>& chips, int size);

}  // namespace fl::provenance
