#include "analysis/cast_eval.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include <nlohmann/json.hpp>

#include "io/frame_source.h"

namespace fl::analysis {
namespace {

bool centre_inside(float x, float y, float w, float h, const std::array<float, 4>& r) {
  const float cx = x + w / 2, cy = y + h / 2;
  return cx >= r[0] && cx <= r[0] + r[2] && cy >= r[1] && cy <= r[1] + r[3];
}

bool on_face(const FaceBox& b, const std::array<float, 4>& label) {
  return centre_inside(b.x, b.y, b.w, b.h, label) &&
         centre_inside(label[0], label[1], label[2], label[3], {b.x, b.y, b.w, b.h});
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<FaceLabels> read_face_labels(const std::string& path) {
  std::ifstream in(path);
  if (!in) return not_found("face labels '" + path + "' cannot be read");
  using nlohmann::json;
  const json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& field, const std::string& what) {
    return invalid_argument("face labels '" + path + "': " + field + " " + what, field);
  };
  if (!j.is_object()) return bad("(the file)", "is not a JSON object");
  FaceLabels labels;
  if (!j.contains("faces") || !j["faces"].is_object()) return bad("faces", "must be an object");
  for (const auto& [who, boxes] : j["faces"].items()) {
    if (!boxes.is_array()) return bad("faces." + who, "must be an array");
    for (const json& b : boxes) {
      if (!b.is_array() || b.size() != 5 ||
          !std::all_of(b.begin(), b.end(), [](const json& v) { return v.is_number(); }))
        return bad("faces." + who, "holds a box that is not [frame, x, y, w, h]");
      if (b[3].get<double>() <= 0 || b[4].get<double>() <= 0 || b[0].get<double>() < 0)
        return bad("faces." + who, "holds a box with no area or a negative frame");
      labels.faces[who][b[0].get<int64_t>()] = {b[1].get<float>(), b[2].get<float>(),
                                                b[3].get<float>(), b[4].get<float>()};
    }
  }
  if (j.contains("leads")) {
    if (!j["leads"].is_array()) return bad("leads", "must be an array of names");
    for (const json& l : j["leads"]) {
      if (!l.is_string() || !labels.faces.count(l.get<std::string>()))
        return bad("leads", "names someone with no faces");
      labels.leads.push_back(l.get<std::string>());
    }
  }
  if (j.contains("unboxed") && j["unboxed"].is_object())
    for (const auto& [who, frames] : j["unboxed"].items())
      if (frames.is_array())
        for (const json& f : frames)
          if (f.is_number_integer()) labels.unboxed[who].push_back(f.get<int64_t>());
  return labels;
}

namespace {
bool unboxed_frame(const FaceLabels& labels, int64_t frame) {
  for (const auto& [person, frames] : labels.unboxed)
    if (std::find(frames.begin(), frames.end(), frame) != frames.end()) return true;
  return false;
}
}  // namespace

CastScore score_cast(const Cast& cast, const FaceLabels& labels, bool by_name) {
  CastScore score;
  // Which labelled person each box is on ("" for none), per character.
  std::map<int, std::map<std::string, int64_t>> votes;
  int64_t boxes = 0, pure = 0;
  for (const Character& c : cast.characters) {
    auto& v = votes[c.id];
    for (const auto& t : c.tracks)
      for (const FaceBox& b : t.boxes) {
        std::string who;
        for (const auto& [person, frames] : labels.faces)
          if (auto it = frames.find(b.frame); it != frames.end() && on_face(b, it->second))
            who = person;
        // On a frame where someone is visible but unboxed, a box on no labelled face may well be
        // on them (a face followed while the detector missed it): it cannot be judged.
        if (who.empty() && unboxed_frame(labels, b.frame)) continue;
        ++v[who];
        ++boxes;
      }
    int64_t majority = 0;
    std::string majority_of;
    for (const auto& [who, n] : v)
      if (n > majority) majority = n, majority_of = who;
    if (majority_of.empty())
      ++score.spurious;
    else
      pure += majority;
  }
  score.purity = boxes ? double(pure) / double(boxes) : 0;

  for (const std::string& lead : labels.leads) {
    int best = -1;
    int64_t most = 0;
    for (const Character& c : cast.characters) {
      if (by_name) {
        if (lower(c.name) == lower(lead)) best = c.id;
        continue;
      }
      const auto it = votes[c.id].find(lead);
      if (it != votes[c.id].end() && it->second > most) most = it->second, best = c.id;
    }
    score.character_of[lead] = best;
  }

  int64_t labelled = 0, covered = 0;
  for (const auto& [person, frames] : labels.faces) {
    const bool lead = std::count(labels.leads.begin(), labels.leads.end(), person) > 0;
    for (const auto& [frame, box] : frames) {
      bool any = false, right = false;
      for (const Character& c : cast.characters)
        for (const auto& t : c.tracks) {
          if (frame < t.start || frame > t.end) continue;
          for (const FaceBox& b : t.boxes)
            if (b.frame == frame && on_face(b, box)) {
              any = true;
              right = right || (lead && c.id == score.character_of[person]);
            }
        }
      ++labelled;
      covered += any;
      if (lead) ++score.lead_frames, score.lead_correct += right;
    }
  }
  score.coverage = labelled ? double(covered) / double(labelled) : 0;
  score.identity_accuracy =
      score.lead_frames ? double(score.lead_correct) / double(score.lead_frames) : 0;
  return score;
}

Result<std::map<int64_t, colour::Lab>> face_region_labs(
    const std::string& clip, const std::map<int64_t, std::array<float, 4>>& boxes) {
  FL_ASSIGN_OR_RETURN(auto source, io::open_source(clip, {}));
  std::map<int64_t, colour::Lab> out;
  for (const auto& [frame, b] : boxes) {
    FL_ASSIGN_OR_RETURN(Image img, source->read_frame(frame));
    colour::Lab sum{0, 0, 0};
    int n = 0;
    for (int y = int(b[1] + b[3] / 4); y < int(b[1] + 3 * b[3] / 4); ++y)
      for (int x = int(b[0] + b[2] / 4); x < int(b[0] + 3 * b[2] / 4); ++x, ++n) {
        const float* p =
            img.at(std::clamp(x, 0, img.width() - 1), std::clamp(y, 0, img.height() - 1));
        const colour::Lab l = colour::lab_from_linear_rec709(p[0], p[1], p[2]);
        for (size_t k = 0; k < 3; ++k) sum[k] += l[k];
      }
    if (n > 0) out[frame] = {sum[0] / n, sum[1] / n, sum[2] / n};
  }
  return out;
}

double mean_delta_e(const std::map<int64_t, colour::Lab>& a,
                    const std::map<int64_t, colour::Lab>& b) {
  double s = 0;
  size_t n = 0;
  for (const auto& [f, lab] : a)
    if (auto it = b.find(f); it != b.end()) s += colour::ciede2000(lab, it->second), ++n;
  return n ? s / double(n) : 0;
}

}  // namespace fl::analysis
