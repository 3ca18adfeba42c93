// Informed detection: the marks a studio issued (its audit log's watermark records), each tested
// against what the blind detector read at the pilot's offset.
//
// The blind decoder must find 64 bits and their check with no prior: after an SD picture is
// scaled to 0.45x the data's evidence is below what any code needs for that (docs/design/
// watermark.md §7). Asking "is this record's mark here?" needs far less: the read chips'
// correlation with one record's coded bits, a single number, against the number of records and
// epochs asked about. That is how a leak is traced when the studio's own ledger is at hand
// (`framelock watermark detect --data DIR`), and it names the payload exactly when it passes.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "provenance/payload_code.h"
#include "provenance/watermark_pattern.h"

namespace fl::provenance {

// A mark the studio issued: its record and how many epochs (kEpochSeconds each) its output ran.
struct IssuedMark {
  uint64_t record = 0;
  uint32_t epochs = 1;
};

// How far informed detection may go: a payload is named only when the chance that footage
// without it scores as well, over every hypothesis tried, is at most this.
inline constexpr double kInformedMaxFalsePositive = 1e-6;

// The scores of every hypothesis tried over one detection.
struct InformedTally {
  double best_z = 0;  // the best hypothesis' normalised correlation
  WatermarkPayload best;
  int salt = -1;
  int64_t hypotheses = 0;
  // Hypotheses that scored above 3 and 4: the null trials check the tail with them.
  int64_t over3 = 0, over4 = 0;
  // The chance that footage without any issued mark scores best_z somewhere: the hypotheses
  // times the sub-Gaussian tail exp(-z^2 / 2) of a correlation with keyed signs.
  double false_positive() const;
};

// The issued marks' coded bits (+1/-1 per coded bit), made once per (record, epoch).
class IssuedCodes {
 public:
  IssuedCodes(const MarkLayout& layout, std::span<const IssuedMark> issued);
  bool any_for(int salt) const;
  // Scores the soft bits of each chunk of an excerpt (kCodedBits each; chunks in time order,
  // all read at one offset and with one whitening, so that they add up) against every issued
  // mark whose pilot is `salt`: the whole excerpt in one epoch, and split once between two
  // consecutive epochs at every chunk boundary.
  void score(const std::vector<std::vector<float>>& chunk_soft, int salt, InformedTally& tally);

  // One issued payload's coded bits as +1/-1 (made once, kept packed).
  void code(uint64_t record, uint32_t epoch, std::vector<float>& signs);

 private:
  using Packed = std::array<uint64_t, (kCodedBits + 63) / 64>;
  const MarkLayout& layout_;
  std::vector<IssuedMark> issued_;
  std::vector<int> salts_;  // of issued_
  std::map<std::pair<uint64_t, uint32_t>, Packed> codes_;
};

}  // namespace fl::provenance
