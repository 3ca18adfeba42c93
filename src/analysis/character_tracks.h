// The two halves of the character analysis after the frames are read: faces followed through
// each shot (tracks), then tracks gathered into characters across shots.
#pragma once

#include <string>
#include <vector>

#include "analysis/characters.h"

namespace fl::analysis {

// One face on one frame, with what identifies it. A face that turned away (or was hidden) while
// tracked is followed by what surrounds it: its box has confidence 0 and no descriptor.
struct Sighting {
  FaceBox box;
  std::vector<float> body;  // clothing colour (empty: not seen)
  Appearance look;
  Descriptor descriptor{};
  bool has_descriptor = false;
  int followed_for = 0;  // frames since the face was last seen (0: seen on this frame)
};

// A track and its identity: the mean of its faces' descriptors and of its clothing colour.
struct Tracked {
  CharacterTrack track;
  Descriptor descriptor{};
  int descriptors = 0;
  std::vector<float> body;
  int bodies = 0;
};

float box_iou(const FaceBox& a, const FaceBox& b);

// Links each frame's faces to the faces of the frames before it in the same shot (box overlap,
// unless the faces' identities disagree); a face unseen for more than max_gap frames, or a cut,
// ends its track. Tracks shorter than min_track_frames are dropped.
std::vector<Tracked> follow_faces(const std::vector<std::vector<Sighting>>& frames,
                                  const std::vector<Shot>& shots, const CharacterOptions& options);

// Gathers tracks into characters (average-linkage clustering on identity and clothing; tracks
// that share a frame never merge), then names them from the references. Ids follow the order of
// first appearance. `note` gets what a user should know (a reference that was not seen).
std::vector<Character> gather_characters(const std::vector<Tracked>& tracks,
                                         const std::vector<ReferenceFace>& references,
                                         const CharacterOptions& options, std::string* note);

}  // namespace fl::analysis
