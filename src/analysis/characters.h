// Who is on screen (character lock, issue 18): faces found on every frame, followed through each
// shot, and the tracks of one person gathered across shots by face identity and clothing colour,
// under the rule that two faces seen in the same frame are two people. References name them.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "analysis/display_frame.h"
#include "analysis/shots.h"
#include "framelock/image.h"
#include "framelock/status.h"
#include "io/frame_source.h"

namespace fl::analysis {

using Descriptor = std::array<float, 128>;

struct FaceBox {
  int64_t frame = 0;
  float x = 0, y = 0, w = 0, h = 0;  // pixels of the clip's full frame
  float confidence = 0;
};

// How someone looks: mean CIELAB (sRGB, D65) of the middle of the face and of the clothing
// below it. `seen` counts the frames that were measured (0: not measured).
struct Appearance {
  std::array<double, 3> face{}, clothing{};
  int face_seen = 0, clothing_seen = 0;
  void add(const Appearance& other);  // weighted by what each saw
};

struct CharacterTrack {
  int shot = 0;
  int64_t start = 0, end = 0;  // frames, inclusive
  std::vector<FaceBox> boxes;  // one per frame the face was seen, in order
  Appearance look;             // not in the cast file
};

struct Character {
  int id = 0;        // 1, 2, ... in order of first appearance
  std::string name;  // a reference's name, else "character <id>"
  std::vector<CharacterTrack> tracks;
  Descriptor descriptor{};  // mean identity of its faces (what references are matched against)
  int64_t frames_seen() const;
};

// One of a person's corrections (analysis/cast_edit.h), as the cast file logs it.
struct CastCorrection {
  std::string op;  // "rename", "merge", "split"
  int id = 0;      // the character renamed, merged away, or split
  int into = 0;    // merge: the character that took its tracks; split: the new character
  int64_t first = 0, last = 0;  // split: the frames that moved
  std::string name;             // rename, split: the name given
};

struct Cast {
  std::string path;
  int64_t frame_count = 0;
  std::vector<Shot> shots;
  std::vector<Character> characters;  // in order of id
  std::string note;  // what a user should know (no faces found, a reference not seen)
  std::vector<CastCorrection> corrections;  // in the order they were made
  Character* find(int id);
};

// A named face to find: from a still or a clip's frame the user gave (--reference NAME=IMAGE).
struct ReferenceFace {
  std::string name;
  std::string path;
  Descriptor descriptor{};
  Appearance look;  // the reference's face and clothing, what continuity is held to
};

struct CharacterOptions {
  int analysis_width = 960;  // faces are found on frames at most this wide
  float min_score = 0.6f;    // BlazeFace score
  int max_gap = 6;           // frames a face may go unseen and keep its track
  int max_follow = 240;   // frames a turned-away face is followed by what surrounds it (0: never)
  int follow_points = 8;  // corners on the person that must move together to keep following
  float link_iou = 0.2f;  // box overlap that continues a track
  int min_track_frames = 3;   // shorter tracks are noise
  int descriptor_stride = 3;  // identity every Nth frame of a face (and at its first)
  float same_person = 0.42f;  // track distance under which tracks merge (means: tighter than 0.6)
  bool use_body_colour = true;
  bool use_constraints = true;  // two faces in one frame are two people
};

using CharacterProgress = std::function<bool(int64_t done, int64_t total)>;

// The clip an analysis reads: its facts, and each frame as the models want it (display-referred
// 8-bit BGR, at `scale` of the full frame) with its shot signature from the same decode, and
// where it can, its full-resolution frame for identity crops.
struct CharacterClip {
  std::string path;
  int64_t frame_count = 0;
  Rational frame_rate{24, 1};
  std::string timecode;  // of frame 0; empty: 00:00:00:00
  double scale = 1.0;    // of the frames `read` gives; boxes are scaled back to the full frame
  std::function<Result<AnalysisFrame>(int64_t frame)> read;  // in order, one call at a time
};

// Reads every frame once, in order. Footage with no faces gives an empty cast and a note.
// Frames are read one after another while the faces of the frames read before are found, a
// frame per worker of the current task arena.
Result<Cast> analyse_characters(const CharacterClip& clip,
                                const std::vector<ReferenceFace>& references,
                                const CharacterOptions& options = {},
                                const CharacterProgress& progress = {});
// The same over a decoded clip: faces found on frames read at most options.analysis_width wide,
// identity from full-resolution crops.
Result<Cast> analyse_characters(io::FrameSource& source,
                                const std::vector<ReferenceFace>& references,
                                const CharacterOptions& options = {},
                                const CharacterProgress& progress = {});

// The largest face of a still (linear light, encoded with `transfer` for the detector).
// kInvalidArgument naming `path` when it holds no face.
Result<ReferenceFace> reference_face(const std::string& name, const std::string& path,
                                     const Image& linear, colour::Transfer transfer);
// The same from the first frame of a still or clip; errors say which reference (`name`) failed.
Result<ReferenceFace> reference_face_from_file(const std::string& name, const std::string& path);

}  // namespace fl::analysis
