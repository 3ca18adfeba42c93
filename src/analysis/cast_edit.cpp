#include "analysis/cast_edit.h"

#include <algorithm>
#include <map>
#include <set>

namespace fl::analysis {
namespace {

std::string default_name(int id) { return "character " + std::to_string(id); }

bool is_default_name(const Character& c) { return c.name == default_name(c.id); }

std::set<int64_t> frames_of(const Character& c) {
  std::set<int64_t> frames;
  for (const auto& t : c.tracks)
    for (const auto& b : t.boxes) frames.insert(b.frame);
  return frames;
}

// Two boxes are one face when each one's centre lies inside the other.
bool same_face(const FaceBox& a, const FaceBox& b) {
  auto inside = [](const FaceBox& box, float x, float y) {
    return x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h;
  };
  return inside(a, b.x + b.w / 2, b.y + b.h / 2) && inside(b, a.x + a.w / 2, a.y + a.h / 2);
}

void sort_tracks(Character& c) {
  std::sort(c.tracks.begin(), c.tracks.end(),
            [](const CharacterTrack& a, const CharacterTrack& b) { return a.start < b.start; });
}

void sort_characters(Cast& cast) {
  std::sort(cast.characters.begin(), cast.characters.end(),
            [](const Character& a, const Character& b) { return a.id < b.id; });
}

int next_id(const Cast& cast) {
  int id = 0;
  for (const auto& c : cast.characters) id = std::max(id, c.id);
  return id + 1;
}

}  // namespace

Character* Cast::find(int id) {
  for (auto& c : characters)
    if (c.id == id) return &c;
  return nullptr;
}

Status rename_character(Cast& cast, int id, const std::string& name) {
  Character* c = cast.find(id);
  if (!c) return not_found("the cast has no character " + std::to_string(id));
  if (name.empty()) return invalid_argument("a character's name cannot be empty");
  for (const auto& other : cast.characters)
    if (other.id != id && other.name == name)
      return invalid_argument("character " + std::to_string(other.id) + " is already called '" +
                              name + "'");
  c->name = name;
  cast.corrections.push_back({"rename", id, 0, 0, 0, name});
  return ok_status();
}

Status merge_characters(Cast& cast, int into, int other) {
  if (into == other) return invalid_argument("a character cannot be merged with itself");
  Character* keep = cast.find(into);
  Character* gone = cast.find(other);
  if (!keep) return not_found("the cast has no character " + std::to_string(into));
  if (!gone) return not_found("the cast has no character " + std::to_string(other));
  const std::set<int64_t> a = frames_of(*keep), b = frames_of(*gone);
  for (int64_t f : b)
    if (a.count(f))
      return invalid_argument("characters " + std::to_string(into) + " and " +
                              std::to_string(other) + " are both seen on frame " +
                              std::to_string(f) + ": two faces on one frame are two people");
  for (auto& t : gone->tracks) keep->tracks.push_back(std::move(t));
  sort_tracks(*keep);
  cast.characters.erase(std::find_if(cast.characters.begin(), cast.characters.end(),
                                     [&](const Character& c) { return c.id == other; }));
  cast.corrections.push_back({"merge", other, into, 0, 0, {}});
  return ok_status();
}

Result<int> split_character(Cast& cast, int id, int64_t first, int64_t last,
                            const std::string& name) {
  if (last < first) return invalid_argument("a split's frames must run forward");
  Character* c = cast.find(id);
  if (!c) return not_found("the cast has no character " + std::to_string(id));
  Character moved;
  moved.id = next_id(cast);
  moved.name = name.empty() ? default_name(moved.id) : name;
  for (const auto& other : cast.characters)
    if (other.name == moved.name)
      return invalid_argument("character " + std::to_string(other.id) + " is already called '" +
                              moved.name + "'");
  std::vector<CharacterTrack> kept;
  for (auto& t : c->tracks) (t.start >= first && t.end <= last ? moved.tracks : kept).push_back(t);
  if (moved.tracks.empty())
    return invalid_argument("character " + std::to_string(id) + " has no track within frames " +
                            std::to_string(first) + "-" + std::to_string(last));
  if (kept.empty())
    return invalid_argument("every track of character " + std::to_string(id) +
                            " lies within frames " + std::to_string(first) + "-" +
                            std::to_string(last) + ": rename it instead");
  c->tracks = std::move(kept);
  moved.descriptor = c->descriptor;
  const int new_id = moved.id;
  cast.characters.push_back(std::move(moved));
  sort_characters(cast);
  cast.corrections.push_back({"split", id, new_id, first, last, name});
  return new_id;
}

Cast carry_over(const Cast& previous, Cast fresh) {
  // Each fresh track's previous character: the one it shares most faces with, if enough.
  struct Placed {
    CharacterTrack track;
    int fresh_id;
    int previous_id = 0;
    int shared = 0;
  };
  std::vector<Placed> placed;
  std::map<int, const Character*> fresh_by_id;
  for (const Character& c : fresh.characters) {
    fresh_by_id[c.id] = &c;
    for (const CharacterTrack& t : c.tracks) {
      Placed p{t, c.id};
      for (const Character& old : previous.characters) {
        int shared = 0;
        for (const FaceBox& b : t.boxes)
          for (const CharacterTrack& ot : old.tracks) {
            if (b.frame < ot.start || b.frame > ot.end) continue;
            for (const FaceBox& ob : ot.boxes)
              if (ob.frame == b.frame && same_face(b, ob)) ++shared;
          }
        if (shared > p.shared) p.shared = shared, p.previous_id = old.id;
      }
      if (p.shared < std::max<int>(3, int(t.boxes.size() * 3 / 10))) p.previous_id = 0;
      placed.push_back(std::move(p));
    }
  }
  // Tracks that matched nothing follow their fresh siblings' majority.
  std::map<int, std::map<int, int>> votes;  // fresh id -> previous id -> faces
  for (const Placed& p : placed)
    if (p.previous_id) votes[p.fresh_id][p.previous_id] += p.shared;
  int new_id = std::max(next_id(previous), 1);
  std::map<int, int> unmatched_ids;  // fresh id -> the new id its unmatched tracks take
  for (Placed& p : placed) {
    if (p.previous_id) continue;
    const auto& v = votes[p.fresh_id];
    if (!v.empty()) {
      p.previous_id = std::max_element(v.begin(), v.end(), [](const auto& a, const auto& b) {
                        return a.second < b.second;
                      })->first;
    } else {
      auto [it, added] = unmatched_ids.emplace(p.fresh_id, new_id);
      if (added) ++new_id;
      p.previous_id = it->second;
    }
  }
  // Gather, keeping two tracks that share a frame apart (the one that shares fewer faces with
  // the character moves to a character of its own).
  std::map<int, Character> gathered;
  std::sort(placed.begin(), placed.end(),
            [](const Placed& a, const Placed& b) { return a.shared > b.shared; });
  for (Placed& p : placed) {
    Character& c = gathered[p.previous_id];
    bool clash = false;
    for (const auto& t : c.tracks)
      if (t.start <= p.track.end && p.track.start <= t.end) {
        std::set<int64_t> frames;
        for (const auto& b : t.boxes) frames.insert(b.frame);
        for (const auto& b : p.track.boxes) clash |= frames.count(b.frame) > 0;
      }
    int id = p.previous_id;
    if (clash) id = new_id++;
    Character& home = gathered[id];
    if (home.tracks.empty()) {
      home.id = id;
      const Character* f = fresh_by_id[p.fresh_id];
      home.descriptor = f->descriptor;
      const Character* old = nullptr;
      for (const auto& o : previous.characters)
        if (o.id == id) old = &o;
      home.name = old && !(is_default_name(*old) && !is_default_name(*f)) ? old->name
                  : !is_default_name(*f)                                  ? f->name
                                                                          : default_name(id);
    }
    home.tracks.push_back(std::move(p.track));
  }
  fresh.characters.clear();
  std::set<std::string> names;
  for (auto& [id, c] : gathered) {
    if (c.tracks.empty()) continue;
    sort_tracks(c);
    if (!names.insert(c.name).second) c.name = default_name(c.id);  // a reference's name twice
    fresh.characters.push_back(std::move(c));
  }
  fresh.corrections = previous.corrections;
  return fresh;
}

}  // namespace fl::analysis
