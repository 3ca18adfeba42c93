// What character_lock's analysis finds: per shot of the character, the grade that holds them to
// the reference, with the faces and CIEDE2000 figures the report shows; saved in the analysis
// store and exported for the colourist (.cube per shot, the cast for the matte, the report).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "analysis/character_grade.h"
#include "analysis/character_matte.h"
#include "analysis/characters.h"
#include "graph/op.h"

namespace fl::ops {

struct LockedShot {
  int shot = 0;
  int64_t first = 0, last = 0;  // the shot's frames
  int64_t sample_frame = 0;     // where the report's face comes from
  analysis::CharacterGrade grade;
  double delta_e_before = 0, delta_e_after = 0;  // face, mean CIELAB against the reference
  double clothing_delta_e_before = -1, clothing_delta_e_after = -1;  // -1: not seen
  cv::Mat face_before, face_after;                                   // kFaceCrop square, 8-bit BGR
};

class CharacterLockState final : public graph::OpState {
 public:
  analysis::Cast cast;
  int character = 0;      // id in the cast
  std::string reference;  // "shot N" or the still's path
  cv::Mat reference_face;
  std::vector<LockedShot> shots;
  // The shot holding `frame`; nullptr when the character has none there.
  const LockedShot* shot_at(int64_t frame) const;
};

constexpr int kCharacterLockStateVersion = 1;
constexpr int kFaceCrop = 96;

nlohmann::json character_lock_report(const CharacterLockState& state);
Result<std::string> save_character_lock_state(const CharacterLockState& state);
Result<std::shared_ptr<const CharacterLockState>> load_character_lock_state(std::string_view bytes);
// `strength` blends each grade with none, as the render does. With a source clip in `ctx`, the
// character's matte (as the render applies it: `matte`) is written as an 8-bit PNG sequence,
// `<prefix>_matte/<prefix>_matte.NNNNNN.png`, for the frames of the shots they are in.
Status export_character_lock(const CharacterLockState& state, double strength,
                             const analysis::MatteOptions& matte, const graph::ExportCtx& ctx,
                             std::vector<std::string>& written);

}  // namespace fl::ops
