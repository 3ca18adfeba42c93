#include "analysis/cast_json.h"

#include <cmath>

#include "ml/models.h"

namespace fl::analysis {
namespace {

double rounded(double v, double step) { return std::round(v / step) * step; }

}  // namespace

nlohmann::json cast_to_json(const Cast& cast) {
  using nlohmann::json;
  json out = {{"path", cast.path},
              {"frame_count", cast.frame_count},
              {"models",
               {{"face_detector", ml::model_key(ml::ModelId::kFaceDetectFar)},
                {"face_descriptor", ml::model_key(ml::ModelId::kFaceDescriptor)}}},
              {"shots", json::array()},
              {"characters", json::array()}};
  if (!cast.note.empty()) out["note"] = cast.note;
  for (size_t i = 0; i < cast.shots.size(); ++i)
    out["shots"].push_back({{"index", i},
                            {"first", cast.shots[i].first},
                            {"last", cast.shots[i].last},
                            {"timecode_in", cast.shots[i].timecode_in}});
  for (const Character& c : cast.characters) {
    json tracks = json::array();
    for (const CharacterTrack& t : c.tracks) {
      json boxes = json::array();
      for (const FaceBox& b : t.boxes)
        boxes.push_back({b.frame, rounded(b.x, 0.1), rounded(b.y, 0.1), rounded(b.w, 0.1),
                         rounded(b.h, 0.1), rounded(b.confidence, 0.001)});
      tracks.push_back({{"shot", t.shot}, {"start", t.start}, {"end", t.end}, {"boxes", boxes}});
    }
    out["characters"].push_back(
        {{"id", c.id}, {"name", c.name}, {"frames_seen", c.frames_seen()}, {"tracks", tracks}});
  }
  return out;
}

}  // namespace fl::analysis
