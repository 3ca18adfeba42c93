#include "analysis/continuity.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "colour/delta_e.h"

namespace fl::analysis {

ContinuityReport check_continuity(const Cast& cast, const std::vector<ReferenceFace>& references,
                                  const ContinuityOptions& options) {
  ContinuityReport report;
  for (const Character& c : cast.characters) {
    const ReferenceFace* ref = nullptr;
    for (const auto& r : references)
      if (r.name == c.name) ref = &r;
    if (!ref) {
      report.unreferenced.push_back(c.name);
      continue;
    }
    std::map<int, Appearance> per_shot;
    for (const auto& t : c.tracks) per_shot[t.shot].add(t.look);
    for (const auto& [shot, look] : per_shot) {
      ShotContinuity s;
      s.character = c.id;
      s.name = c.name;
      s.shot = shot;
      char why[160] = "";
      if (look.face_seen && ref->look.face_seen) {
        s.face_delta_e = colour::ciede2000(look.face, ref->look.face);
        if (s.face_delta_e > options.face_limit)
          std::snprintf(why, sizeof why, "face %.1f from the reference (limit %.0f)",
                        s.face_delta_e, options.face_limit);
      }
      if (look.clothing_seen && ref->look.clothing_seen) {
        s.clothing_delta_e = colour::ciede2000(look.clothing, ref->look.clothing);
        if (s.clothing_delta_e > options.clothing_limit && !*why)
          std::snprintf(why, sizeof why, "clothing %.1f from the reference (limit %.0f)",
                        s.clothing_delta_e, options.clothing_limit);
      }
      s.flagged = *why != '\0';
      s.why = why;
      report.shots.push_back(std::move(s));
    }
  }
  return report;
}

nlohmann::json continuity_to_json(const ContinuityReport& report) {
  nlohmann::json shots = nlohmann::json::array();
  auto rounded = [](double v) { return v < 0 ? v : std::round(v * 100) / 100; };
  for (const auto& s : report.shots) {
    nlohmann::json j = {{"character", s.character},
                        {"name", s.name},
                        {"shot", s.shot},
                        {"face_delta_e", rounded(s.face_delta_e)},
                        {"clothing_delta_e", rounded(s.clothing_delta_e)},
                        {"flagged", s.flagged}};
    if (s.flagged) j["why"] = s.why;
    shots.push_back(j);
  }
  return {{"shots", shots}, {"unreferenced", report.unreferenced}};
}

}  // namespace fl::analysis
