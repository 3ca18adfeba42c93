// How right a cast is, against faces labelled by hand (tests/data/megamind_faces.json): the
// figures issue 18 asks for, for any labelled clip a studio brings.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "analysis/characters.h"
#include "colour/delta_e.h"
#include "framelock/status.h"

namespace fl::analysis {

struct FaceLabels {
  // person -> the frames their face is visible in, each with its box (x, y, w, h).
  std::map<std::string, std::map<int64_t, std::array<float, 4>>> faces;
  std::vector<std::string> leads;                       // the people identity accuracy is about
  std::map<std::string, std::vector<int64_t>> unboxed;  // visible, no box: not scored
};

// kInvalidArgument naming the file and the field when it is not such a file.
Result<FaceLabels> read_face_labels(const std::string& path);

struct CastScore {
  // Labelled frames of the leads where the lead's character holds a box on the lead's face.
  int64_t lead_frames = 0, lead_correct = 0;
  double identity_accuracy = 0;  // lead_correct / lead_frames
  double purity = 0;             // boxes on their character's majority person, over all boxes
  double coverage = 0;           // labelled faces (every person) that some character's box is on
  int spurious = 0;              // characters whose boxes are mostly on no labelled face
  std::map<std::string, int> character_of;  // lead -> the character id that stands for them
};

// A box is on a labelled face when each one's centre lies inside the other. `by_name`: a lead's
// character is the one named like them (references); else the one most of whose boxes are on
// them.
CastScore score_cast(const Cast& cast, const FaceLabels& labels, bool by_name);

// How a labelled face looks on each frame of a clip: the mean CIELAB of the middle half of its
// box (x, y, w, h), for measuring a grade or a lock on the labels rather than on detections.
Result<std::map<int64_t, colour::Lab>> face_region_labs(
    const std::string& clip, const std::map<int64_t, std::array<float, 4>>& boxes);
// Mean CIEDE2000 over the frames of `a`, each against the same frame of `b`.
double mean_delta_e(const std::map<int64_t, colour::Lab>& a,
                    const std::map<int64_t, colour::Lab>& b);

}  // namespace fl::analysis
