#include "analysis/cast_json.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "ml/models.h"

namespace fl::analysis {
namespace {

// `per` steps a unit: 10 keeps a tenth of a pixel (printed as such, not as 199.10000000000002).
double rounded(double v, double per) { return std::round(v * per) / per; }

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
        boxes.push_back({b.frame, rounded(b.x, 10), rounded(b.y, 10), rounded(b.w, 10),
                         rounded(b.h, 10), rounded(b.confidence, 1000)});
      tracks.push_back({{"shot", t.shot}, {"start", t.start}, {"end", t.end}, {"boxes", boxes}});
    }
    json character = {
        {"id", c.id}, {"name", c.name}, {"frames_seen", c.frames_seen()}, {"tracks", tracks}};
    // Their face's identity: what a protected likeness's reference is matched against.
    if (std::any_of(c.descriptor.begin(), c.descriptor.end(), [](float v) { return v != 0; })) {
      json d = json::array();
      for (float v : c.descriptor) d.push_back(rounded(v, 100000));
      character["descriptor"] = std::move(d);
    }
    out["characters"].push_back(std::move(character));
  }
  if (!cast.corrections.empty()) {
    json log = json::array();
    for (const CastCorrection& k : cast.corrections) {
      json e = {{"op", k.op}, {"id", k.id}};
      if (k.op == "merge") e["into"] = k.into;
      if (k.op == "split") e["new_id"] = k.into, e["first"] = k.first, e["last"] = k.last;
      if (!k.name.empty()) e["name"] = k.name;
      log.push_back(std::move(e));
    }
    out["corrections"] = std::move(log);
  }
  return out;
}

namespace {

using nlohmann::json;

Status wrong(const std::string& field, const std::string& what) {
  return invalid_argument("cast: " + field + " " + what, field);
}

Result<int64_t> whole(const json& j, const std::string& field, int64_t min) {
  if (!j.is_number_integer()) return wrong(field, "must be a whole number");
  const int64_t v = j.get<int64_t>();
  if (v < min) return wrong(field, "must be at least " + std::to_string(min));
  return v;
}

Result<float> number(const json& j, const std::string& field) {
  if (!j.is_number()) return wrong(field, "must be a number");
  const double v = j.get<double>();
  if (!std::isfinite(v) || std::abs(v) > 1e7) return wrong(field, "is out of range");
  return float(v);
}

Result<CharacterTrack> track_from_json(const json& j, const std::string& field) {
  if (!j.is_object()) return wrong(field, "must be an object");
  CharacterTrack t;
  for (const char* key : {"shot", "start", "end", "boxes"})
    if (!j.contains(key)) return wrong(field + "." + key, "is missing");
  FL_ASSIGN_OR_RETURN(int64_t shot, whole(j["shot"], field + ".shot", 0));
  if (shot > 1000000) return wrong(field + ".shot", "is out of range");
  t.shot = int(shot);
  FL_ASSIGN_OR_RETURN(t.start, whole(j["start"], field + ".start", 0));
  FL_ASSIGN_OR_RETURN(t.end, whole(j["end"], field + ".end", t.start));
  if (!j["boxes"].is_array() || j["boxes"].empty())
    return wrong(field + ".boxes", "must be a non-empty array");
  int64_t previous = -1;
  for (size_t i = 0; i < j["boxes"].size(); ++i) {
    const json& b = j["boxes"][i];
    const std::string bf = field + ".boxes[" + std::to_string(i) + "]";
    if (!b.is_array() || b.size() != 6) return wrong(bf, "must be [frame, x, y, w, h, confidence]");
    FaceBox box;
    FL_ASSIGN_OR_RETURN(box.frame, whole(b[0], bf + "[0]", 0));
    if (box.frame < t.start || box.frame > t.end || box.frame <= previous)
      return wrong(bf, "must be a frame of the track after the box before it");
    previous = box.frame;
    FL_ASSIGN_OR_RETURN(box.x, number(b[1], bf + "[1]"));
    FL_ASSIGN_OR_RETURN(box.y, number(b[2], bf + "[2]"));
    FL_ASSIGN_OR_RETURN(box.w, number(b[3], bf + "[3]"));
    FL_ASSIGN_OR_RETURN(box.h, number(b[4], bf + "[4]"));
    FL_ASSIGN_OR_RETURN(box.confidence, number(b[5], bf + "[5]"));
    // The writer keeps a tenth of a pixel: a smaller box would not read back.
    if (box.w < 0.1f || box.h < 0.1f) return wrong(bf, "must be at least 0.1 px wide and high");
    if (box.confidence < 0 || box.confidence > 1) return wrong(bf + "[5]", "must be in 0..1");
    t.boxes.push_back(box);
  }
  if (t.boxes.front().frame != t.start || t.boxes.back().frame != t.end)
    return wrong(field, "must start and end with a box");
  return t;
}

}  // namespace

Result<Cast> cast_from_json(const json& j) {
  if (!j.is_object()) return wrong("(the cast)", "must be a JSON object");
  if (!j.contains("characters") || !j["characters"].is_array())
    return wrong("characters", "must be an array");
  Cast cast;
  if (j.contains("path")) {
    if (!j["path"].is_string()) return wrong("path", "must be a string");
    cast.path = j["path"].get<std::string>();
  }
  if (j.contains("frame_count")) {
    FL_ASSIGN_OR_RETURN(cast.frame_count, whole(j["frame_count"], "frame_count", 0));
  }
  if (j.contains("note")) {
    if (!j["note"].is_string()) return wrong("note", "must be a string");
    cast.note = j["note"].get<std::string>();
  }
  if (j.contains("shots")) {
    if (!j["shots"].is_array()) return wrong("shots", "must be an array");
    for (size_t i = 0; i < j["shots"].size(); ++i) {
      const json& s = j["shots"][i];
      const std::string f = "shots[" + std::to_string(i) + "]";
      if (!s.is_object() || !s.contains("first") || !s.contains("last"))
        return wrong(f, "must have first and last");
      Shot shot;
      FL_ASSIGN_OR_RETURN(shot.first, whole(s["first"], f + ".first", 0));
      FL_ASSIGN_OR_RETURN(shot.last, whole(s["last"], f + ".last", shot.first));
      if (s.contains("timecode_in") && s["timecode_in"].is_string())
        shot.timecode_in = s["timecode_in"].get<std::string>();
      cast.shots.push_back(shot);
    }
  }
  std::set<int64_t> ids;
  for (size_t i = 0; i < j["characters"].size(); ++i) {
    const json& c = j["characters"][i];
    const std::string f = "characters[" + std::to_string(i) + "]";
    if (!c.is_object()) return wrong(f, "must be an object");
    for (const char* key : {"id", "name", "tracks"})
      if (!c.contains(key)) return wrong(f + "." + key, "is missing");
    Character ch;
    FL_ASSIGN_OR_RETURN(int64_t id, whole(c["id"], f + ".id", 1));
    if (id > 1000000 || !ids.insert(id).second)
      return wrong(f + ".id", "must be unique and at most 1000000");
    ch.id = int(id);
    if (!c["name"].is_string() || c["name"].get<std::string>().empty())
      return wrong(f + ".name", "must be a non-empty string");
    ch.name = c["name"].get<std::string>();
    if (c.contains("descriptor")) {
      const json& d = c["descriptor"];
      if (!d.is_array() || d.size() != ch.descriptor.size())
        return wrong(f + ".descriptor", "must be 128 numbers");
      for (size_t k = 0; k < d.size(); ++k) {
        FL_ASSIGN_OR_RETURN(double v, number(d[k], f + ".descriptor[" + std::to_string(k) + "]"));
        if (std::abs(v) > 10) return wrong(f + ".descriptor", "must be 128 numbers in -10..10");
        ch.descriptor[k] = float(v);
      }
    }
    if (!c["tracks"].is_array() || c["tracks"].empty())
      return wrong(f + ".tracks", "must be a non-empty array");
    for (size_t t = 0; t < c["tracks"].size(); ++t) {
      FL_ASSIGN_OR_RETURN(
          auto track, track_from_json(c["tracks"][t], f + ".tracks[" + std::to_string(t) + "]"));
      if (!cast.shots.empty() && size_t(track.shot) >= cast.shots.size())
        return wrong(f + ".tracks[" + std::to_string(t) + "].shot", "names no shot of the cast");
      ch.tracks.push_back(std::move(track));
    }
    cast.characters.push_back(std::move(ch));
  }
  std::sort(cast.characters.begin(), cast.characters.end(),
            [](const Character& a, const Character& b) { return a.id < b.id; });
  if (j.contains("corrections")) {
    if (!j["corrections"].is_array()) return wrong("corrections", "must be an array");
    for (size_t i = 0; i < j["corrections"].size(); ++i) {
      const json& e = j["corrections"][i];
      const std::string f = "corrections[" + std::to_string(i) + "]";
      if (!e.is_object() || !e.contains("op") || !e["op"].is_string() || !e.contains("id"))
        return wrong(f, "must have op and id");
      CastCorrection k;
      k.op = e["op"].get<std::string>();
      if (k.op != "rename" && k.op != "merge" && k.op != "split")
        return wrong(f + ".op", "must be rename, merge or split");
      FL_ASSIGN_OR_RETURN(int64_t id, whole(e["id"], f + ".id", 1));
      k.id = int(std::min<int64_t>(id, 1000000));
      if (k.op == "merge" || k.op == "split") {
        const char* key = k.op == "merge" ? "into" : "new_id";
        if (!e.contains(key)) return wrong(f + "." + key, "is missing");
        FL_ASSIGN_OR_RETURN(int64_t into, whole(e[key], f + "." + key, 1));
        k.into = int(std::min<int64_t>(into, 1000000));
      }
      if (k.op == "split") {
        if (!e.contains("first") || !e.contains("last"))
          return wrong(f, "must have first and last");
        FL_ASSIGN_OR_RETURN(k.first, whole(e["first"], f + ".first", 0));
        FL_ASSIGN_OR_RETURN(k.last, whole(e["last"], f + ".last", k.first));
      }
      if (e.contains("name")) {
        if (!e["name"].is_string()) return wrong(f + ".name", "must be a string");
        k.name = e["name"].get<std::string>();
      }
      cast.corrections.push_back(std::move(k));
    }
  }
  return cast;
}

Result<Cast> read_cast_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return not_found("cast file '" + path + "' cannot be read");
  const json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalid_argument("cast file '" + path + "' is not JSON");
  auto cast = cast_from_json(j);
  if (!cast.ok()) return cast.status().with_context("cast file '" + path + "': ");
  return cast;
}

}  // namespace fl::analysis
