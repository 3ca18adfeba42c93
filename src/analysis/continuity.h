// Continuity of a character's look (issue 18): per shot, the CIEDE2000 distance of the face's
// skin and of the clothing from the character's reference picture; a shot past the limits is
// flagged (a costume changed, a grade that drifted on one shot).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/characters.h"

namespace fl::analysis {

struct ShotContinuity {
  int character = 0;  // id
  std::string name;
  int shot = 0;
  double face_delta_e = -1, clothing_delta_e = -1;  // -1: not seen in this shot
  bool flagged = false;
  std::string why;
};

struct ContinuityOptions {
  // Between shots of one scene, light alone moves a face by a few units and clothing by more
  // (its folds turn to and from the light); past these the look itself changed.
  double face_limit = 12;
  double clothing_limit = 18;
};

struct ContinuityReport {
  std::vector<ShotContinuity> shots;
  std::vector<std::string> unreferenced;  // characters with no reference: nothing to hold to
};

// Characters are matched to references by name.
ContinuityReport check_continuity(const Cast& cast, const std::vector<ReferenceFace>& references,
                                  const ContinuityOptions& options = {});

nlohmann::json continuity_to_json(const ContinuityReport& report);

}  // namespace fl::analysis
