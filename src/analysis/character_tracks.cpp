#include "analysis/character_tracks.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ml/face_descriptor.h"

namespace fl::analysis {
namespace {

// Faces of one identity lie within 0.6 (dlib); past this the box overlap is a coincidence (one
// person walking into another's place), not the same face.
constexpr float kNotTheSameFace = 0.75f;
// dlib's same-person distance, for a reference picture against a character's mean.
constexpr float kReferenceMatch = 0.6f;
// A reference pulls a second group into the character it names only when this near.
constexpr float kReferencePull = 0.45f;
// How much a clothing difference (0..1) adds to a face distance.
constexpr float kBodyWeight = 0.15f;

float distance(const Descriptor& a, const Descriptor& b) { return ml::descriptor_distance(a, b); }

void add_to(Tracked& t, const Sighting& s) {
  t.track.boxes.push_back(s.box);
  t.track.look.add(s.look);
  t.track.end = s.box.frame;
  if (s.has_descriptor) {
    ++t.descriptors;
    for (size_t i = 0; i < t.descriptor.size(); ++i)
      t.descriptor[i] += (s.descriptor[i] - t.descriptor[i]) / float(t.descriptors);
  }
  if (!s.body.empty()) {
    if (t.body.empty()) t.body.assign(s.body.size(), 0.f);
    ++t.bodies;
    for (size_t i = 0; i < t.body.size(); ++i)
      t.body[i] += (s.body[i] - t.body[i]) / float(t.bodies);
  }
}

struct Group {
  std::vector<size_t> members;  // indices into the tracks
  bool alive = true;
};

bool share_a_frame(const Tracked& a, const Tracked& b) {
  return a.track.start <= b.track.end && b.track.start <= a.track.end;
}

}  // namespace

float box_iou(const FaceBox& a, const FaceBox& b) {
  const float ix = std::max(0.f, std::min(a.x + a.w, b.x + b.w) - std::max(a.x, b.x));
  const float iy = std::max(0.f, std::min(a.y + a.h, b.y + b.h) - std::max(a.y, b.y));
  const float inter = ix * iy, uni = a.w * a.h + b.w * b.h - inter;
  return uni > 0 ? inter / uni : 0.f;
}

std::vector<Tracked> follow_faces(const std::vector<std::vector<Sighting>>& frames,
                                  const std::vector<Shot>& shots, const CharacterOptions& options) {
  std::vector<Tracked> done;
  auto retire = [&](Tracked& t) {
    if (int(t.track.boxes.size()) >= options.min_track_frames) done.push_back(std::move(t));
  };
  for (size_t shot = 0; shot < shots.size(); ++shot) {
    std::vector<Tracked> active;
    for (int64_t f = shots[shot].first; f <= shots[shot].last && f < int64_t(frames.size()); ++f) {
      const auto& here = frames[size_t(f)];
      struct Link {
        float iou;
        size_t track, sighting;
      };
      std::vector<Link> links;
      for (size_t t = 0; t < active.size(); ++t)
        for (size_t s = 0; s < here.size(); ++s) {
          const float iou = box_iou(active[t].track.boxes.back(), here[s].box);
          if (iou <= options.link_iou) continue;
          if (here[s].has_descriptor && active[t].descriptors > 0 &&
              distance(here[s].descriptor, active[t].descriptor) > kNotTheSameFace)
            continue;
          links.push_back({iou, t, s});
        }
      std::sort(links.begin(), links.end(), [](const Link& a, const Link& b) {
        return a.iou != b.iou       ? a.iou > b.iou
               : a.track != b.track ? a.track < b.track
                                    : a.sighting < b.sighting;
      });
      std::vector<bool> track_used(active.size(), false), sighting_used(here.size(), false);
      for (const Link& l : links) {
        if (track_used[l.track] || sighting_used[l.sighting]) continue;
        track_used[l.track] = sighting_used[l.sighting] = true;
        add_to(active[l.track], here[l.sighting]);
      }
      for (size_t s = 0; s < here.size(); ++s) {
        if (sighting_used[s]) continue;
        Tracked t;
        t.track.shot = int(shot);
        t.track.start = f;
        add_to(t, here[s]);
        active.push_back(std::move(t));
      }
      std::vector<Tracked> still;
      for (auto& t : active) {
        if (f - t.track.end > options.max_gap)
          retire(t);
        else
          still.push_back(std::move(t));
      }
      active = std::move(still);
    }
    for (auto& t : active) retire(t);
  }
  std::sort(done.begin(), done.end(), [](const Tracked& a, const Tracked& b) {
    return a.track.start != b.track.start ? a.track.start < b.track.start
                                          : a.track.boxes[0].x < b.track.boxes[0].x;
  });
  return done;
}

std::vector<Character> gather_characters(const std::vector<Tracked>& tracks,
                                         const std::vector<ReferenceFace>& references,
                                         const CharacterOptions& options, std::string* note) {
  const size_t n = tracks.size();
  // Pairwise track distances; infinite where two tracks share a frame (two people).
  constexpr float kNever = std::numeric_limits<float>::infinity();
  std::vector<float> d(n * n, 0.f);
  for (size_t a = 0; a < n; ++a)
    for (size_t b = a + 1; b < n; ++b) {
      const Tracked &ta = tracks[a], &tb = tracks[b];
      float v = ta.descriptors && tb.descriptors ? distance(ta.descriptor, tb.descriptor)
                                                 : options.same_person;
      if (options.use_body_colour && !ta.body.empty() && !tb.body.empty()) {
        float l1 = 0;
        for (size_t i = 0; i < ta.body.size(); ++i) l1 += std::abs(ta.body[i] - tb.body[i]);
        v += kBodyWeight * (0.5f * l1 - 0.5f);  // alike clothing pulls together, unlike apart
      }
      if (options.use_constraints && share_a_frame(ta, tb)) v = kNever;
      d[a * n + b] = d[b * n + a] = v;
    }
  std::vector<Group> groups(n);
  for (size_t i = 0; i < n; ++i) groups[i].members = {i};
  auto linkage = [&](const Group& g, const Group& h) {
    float sum = 0;
    for (size_t a : g.members)
      for (size_t b : h.members) {
        if (d[a * n + b] == kNever) return kNever;
        sum += d[a * n + b];
      }
    return sum / float(g.members.size() * h.members.size());
  };
  auto merge = [&](size_t into, size_t from) {
    groups[into].members.insert(groups[into].members.end(), groups[from].members.begin(),
                                groups[from].members.end());
    groups[from].alive = false;
  };
  for (;;) {
    float best = options.same_person;
    size_t bi = 0, bj = 0;
    for (size_t i = 0; i < n; ++i)
      for (size_t j = i + 1; j < n; ++j) {
        if (!groups[i].alive || !groups[j].alive) continue;
        const float l = linkage(groups[i], groups[j]);
        if (l < best) best = l, bi = i, bj = j;
      }
    if (bi == bj) break;
    merge(bi, bj);
  }

  // Each group's identity: the mean of its tracks', weighted by how many faces made them.
  auto identity = [&](const Group& g) {
    Descriptor mean{};
    int count = 0;
    for (size_t t : g.members) {
      for (size_t i = 0; i < mean.size(); ++i)
        mean[i] += tracks[t].descriptor[i] * float(tracks[t].descriptors);
      count += tracks[t].descriptors;
    }
    if (count > 0)
      for (float& v : mean) v /= float(count);
    return std::pair{mean, count};
  };
  // A reference names the group nearest to it, within dlib's same-person distance, and pulls
  // in the other groups much nearer to it than that (a character seen in shots too unlike each
  // other to have merged on their own). A reference is one picture, noisier than a track's mean.
  std::vector<int> label(n, -1);
  for (size_t r = 0; r < references.size(); ++r) {
    std::vector<std::pair<float, size_t>> near;
    for (size_t i = 0; i < n; ++i) {
      if (!groups[i].alive || label[i] >= 0) continue;
      auto [mean, count] = identity(groups[i]);
      if (count > 0) near.push_back({distance(mean, references[r].descriptor), i});
    }
    std::sort(near.begin(), near.end());
    if (near.empty() || near[0].first >= kReferenceMatch) continue;
    const size_t named_group = near[0].second;
    label[named_group] = int(r);
    for (size_t k = 1; k < near.size() && near[k].first < kReferencePull; ++k)
      if (linkage(groups[named_group], groups[near[k].second]) != kNever)
        merge(named_group, near[k].second);
  }

  std::vector<Character> cast;
  std::vector<bool> named(references.size(), false);
  for (size_t i = 0; i < n; ++i) {
    if (!groups[i].alive) continue;
    Character c;
    for (size_t t : groups[i].members) c.tracks.push_back(tracks[t].track);
    std::sort(c.tracks.begin(), c.tracks.end(),
              [](const auto& a, const auto& b) { return a.start < b.start; });
    c.descriptor = identity(groups[i]).first;
    if (label[i] >= 0 && !named[size_t(label[i])]) {
      c.name = references[size_t(label[i])].name;
      named[size_t(label[i])] = true;
    }
    cast.push_back(std::move(c));
  }
  std::sort(cast.begin(), cast.end(), [](const Character& a, const Character& b) {
    return a.tracks[0].start != b.tracks[0].start ? a.tracks[0].start < b.tracks[0].start
                                                  : a.tracks[0].boxes[0].x < b.tracks[0].boxes[0].x;
  });
  for (size_t i = 0; i < cast.size(); ++i) {
    cast[i].id = int(i + 1);
    if (cast[i].name.empty()) cast[i].name = "character " + std::to_string(i + 1);
  }
  for (size_t r = 0; r < references.size(); ++r)
    if (!named[r]) {
      if (!note->empty()) *note += "; ";
      *note += "reference '" + references[r].name + "' (" + references[r].path +
               ") was not seen in the clip";
    }
  return cast;
}

}  // namespace fl::analysis
