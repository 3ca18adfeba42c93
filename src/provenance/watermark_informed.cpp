#include "provenance/watermark_informed.h"

#include <algorithm>
#include <cmath>

namespace fl::provenance {

double InformedTally::false_positive() const {
  if (hypotheses == 0) return 0;
  return std::min(1.0, double(hypotheses) * std::exp(-0.5 * best_z * best_z));
}

IssuedCodes::IssuedCodes(const MarkLayout& layout, std::span<const IssuedMark> issued)
    : layout_(layout), issued_(issued.begin(), issued.end()) {
  for (const IssuedMark& m : issued_) salts_.push_back(layout_.salt_for(m.record));
}

bool IssuedCodes::any_for(int salt) const {
  return std::find(salts_.begin(), salts_.end(), salt) != salts_.end();
}

void IssuedCodes::code(uint64_t record, uint32_t epoch, std::vector<float>& signs) {
  auto [it, added] = codes_.try_emplace({record, epoch});
  if (added) {
    WatermarkPayload p;
    p.record = record;
    p.epoch = epoch;
    const std::vector<uint8_t> bits = encode_payload(layout_.scramble(p.pack()), layout_.key());
    it->second.fill(0);
    for (size_t i = 0; i < bits.size(); ++i)
      if (bits[i]) it->second[i / 64] |= uint64_t(1) << (i % 64);
  }
  signs.resize(size_t(kCodedBits));
  for (size_t i = 0; i < signs.size(); ++i)
    signs[i] = (it->second[i / 64] >> (i % 64)) & 1 ? 1.f : -1.f;
}

namespace {

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

}  // namespace

void IssuedCodes::score(const std::vector<std::vector<float>>& chunk_soft, int salt,
                        InformedTally& tally) {
  const size_t k = chunk_soft.size();
  if (k == 0) return;
  // before[j]: the soft bits of chunks [0, j); whole = before[k].
  std::vector<std::vector<float>> before(k + 1, std::vector<float>(size_t(kCodedBits), 0.f));
  for (size_t j = 0; j < k; ++j)
    for (size_t i = 0; i < size_t(kCodedBits); ++i)
      before[j + 1][i] = before[j][i] + chunk_soft[j][i];
  const std::vector<float>& whole = before[k];
  // Under no mark, each hypothesis' correlation over its norm has keyed signs the footage does
  // not know: its tail is below exp(-z^2 / 2) whatever the soft bits' own spread.
  std::vector<double> norm_before(k + 1), norm_after(k + 1);
  for (size_t j = 0; j <= k; ++j) {
    norm_before[j] = dot(before[j], before[j]);
    double after = 0;
    for (size_t i = 0; i < size_t(kCodedBits); ++i) {
      const double v = double(whole[i]) - before[j][i];
      after += v * v;
    }
    norm_after[j] = after;
  }
  auto consider = [&](double corr, double norm2, uint64_t record, uint32_t epoch) {
    ++tally.hypotheses;
    const double z = norm2 > 0 ? corr / std::sqrt(norm2) : 0;
    tally.over3 += z > 3;
    tally.over4 += z > 4;
    if (z > tally.best_z) {
      tally.best_z = z;
      tally.best.record = record;
      tally.best.epoch = epoch;
      tally.best.version = kMarkVersion;
      tally.salt = salt;
    }
  };
  std::vector<double> at(k + 1), next_at(k + 1);
  std::vector<float> c, d;
  for (size_t r = 0; r < issued_.size(); ++r) {
    const IssuedMark& m = issued_[r];
    if (salts_[r] != salt) continue;
    // at[j]: chunks [0, j) against this epoch's code; the split's second part is the whole's
    // correlation with the next epoch's code less its first part's.
    const uint32_t epochs = std::max<uint32_t>(1, m.epochs);
    code(m.record, 0, c);
    for (size_t j = 0; j <= k; ++j) at[j] = dot(before[j], c);
    for (uint32_t e = 0; e < epochs; ++e) {
      consider(at[k], norm_before[k], m.record, e);
      if (e + 1 < epochs) {
        code(m.record, e + 1, d);
        for (size_t j = 0; j <= k; ++j) next_at[j] = dot(before[j], d);
        // The epoch reported is the one most of the excerpt is in.
        for (size_t j = 1; j < k; ++j)
          consider(at[j] + next_at[k] - next_at[j], norm_before[j] + norm_after[j], m.record,
                   2 * j >= k ? e : e + 1);
        std::swap(at, next_at);
      }
    }
  }
}

}  // namespace fl::provenance
