// Blind detection of the watermark (watermark_stage.h): no original, no frame numbers, any
// scale between 0.25x and 1x of the tile's size relative to the picture, any crop offset.
//
// Each frame's luma is high-passed and divided by its local activity (the matched filter for a
// mark that follows texture, in noise that does too), clipped, and summed over the frames,
// weighed by the two quadratures of the mark's turn over time with the mean taken out (so what
// does not move in the picture cancels, and the turn's phase is found with the pilot). For
// each candidate tile size the sum is resampled to the reference tile and folded onto one tile;
// the fold's spectrum is whitened, and correlated with each of the kSalts pilots over every
// cyclic offset at once. At the best (size, salt, offset) candidates the data chips are read and
// the soft bits go to the Viterbi decoder. A payload is accepted only if its keyed 32-bit check,
// its pilot salt and its version all agree: one chance in 2^44 per attempt for footage without
// a mark or with another key's, which `false_positive` bounds over every attempt made.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "provenance/watermark_informed.h"
#include "provenance/watermark_pattern.h"

namespace fl::provenance {

struct DetectOptions {
  // Tile sizes searched, as a fraction of the frame's height. The tile is 256 px per 540 lines
  // (rounded), so 0.32-0.63 of the picture's height, whatever its size or later scale; up to
  // 0.75 leaves room for crops of 15% of the height.
  double min_tile = 0.30, max_tile = 0.78;
  double scale_step = 0.006;  // relative step of the coarse search
  int candidates = 8;         // (size, salt) candidates refined and decoded
  // Candidates refined and read for informed detection (among the issued marks' salts): more
  // than the blind decode tries, since a hypothesis costs little and a weak pilot ranks the
  // right offset lower.
  int informed_candidates = 8;
  // Words tried per decode, most likely first (payload_code.h's list decoder); each counts as
  // an attempt.
  int list_size = 64;
  // Turns of the picture searched, in degrees either way (a camcorder, a re-framing): 0 for
  // none. Each step of the search costs about one search without turns.
  double max_rotation = 0, rotation_step = 0.4;
  // false: skip the blind decode and only test the issued marks given to detect() (the question
  // "is one of these outputs' marks here?", which needs far less evidence).
  bool blind = true;
};

struct Detection {
  bool found = false;
  WatermarkPayload payload;
  double pilot_z = 0;    // the best pilot correlation, in null standard deviations
  double agreement = 0;  // the decoder's agreement with the soft bits, in [-1, 1]
  double tile_px = 0;    // the tile's size in the file's pixels
  double rotation = 0;   // degrees the picture was turned, counter-clockwise
  int salt = -1;
  int frames = 0;    // frames summed (black ones skipped)
  int attempts = 0;  // words tried against the check (decodes x list size)
  // Decodes whose check was right in its top 8 bits (1 in 256 of the attempts when there is no
  // mark; the null trials count them to check the model behind `false_positive`).
  int near_misses = 0;
  // Probability that footage without this key's mark gives a payload in this many attempts
  // (informed: over every hypothesis tested).
  double false_positive = 0;
  // Informed detection (watermark_informed.h), when the blind decode found nothing and issued
  // marks were given: whether one of them named the payload, the best one's correlation (in
  // null standard deviations), the hypotheses tested, and how many of them scored above 3 and 4.
  bool informed = false;
  double data_z = 0;
  int64_t hypotheses = 0;
  int64_t over3 = 0, over4 = 0;
};

class WatermarkDetector {
 public:
  explicit WatermarkDetector(std::shared_ptr<const MarkLayout> layout, DetectOptions options = {});
  ~WatermarkDetector();
  WatermarkDetector(WatermarkDetector&&) noexcept;

  // One frame's luma, 8-bit, and its time in seconds from any fixed origin (the mark turns
  // over in time: mark_sign). All frames must have one size.
  void add_frame(const uint8_t* luma, int width, int height, size_t stride, double seconds);
  int frames() const;
  // Blind first; then, when that finds nothing and `issued` is not empty, each issued mark is
  // tested at the pilot's best offsets among the salts they use.
  Detection detect(std::span<const IssuedMark> issued = {}) const;
  // The same frames read with each of several keys (a studio that changed its key, or the null
  // trials): the folds, which do not depend on the key, are made once.
  std::vector<Detection> detect_keys(std::span<const std::shared_ptr<const MarkLayout>> layouts,
                                     std::span<const IssuedMark> issued = {}) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Probability that one decode attempt on unmarked footage passes (check, salt and version).
inline constexpr double kFalseAcceptPerAttempt = 1.0 / 17592186044416.0;  // 2^-44

}  // namespace fl::provenance
