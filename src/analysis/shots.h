// Shot detection: where a clip cuts (hard cuts) and where it dissolves or fades, frame-exact.
//
// Each frame is reduced to a small display-referred thumbnail (a 96-pixel-wide area average)
// and a joint RGB histogram. A hard cut is a frame whose difference to the previous one stands
// out from its neighbourhood (an adaptive threshold, as PySceneDetect's AdaptiveDetector does),
// and is not a flash (a frame or two that differ and then return). A dissolve or fade is a
// span over which frames are blends of the frames at its two ends: long-range differences rise,
// no single frame stands out, and each frame fits (1 - a) * start + a * end with a growing from
// 0 to 1; camera moves and action fail that fit. The shot boundary of a dissolve is its middle.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "colour/transfer.h"
#include "framelock/image.h"
#include "framelock/media.h"
#include "framelock/status.h"
#include "io/frame_source.h"

namespace fl::analysis {

enum class Transition { kStart, kCut, kDissolve };
const char* transition_name(Transition t);

struct Shot {
  int64_t first = 0;  // frames of the clip, inclusive
  int64_t last = 0;
  std::string timecode_in;   // SMPTE timecode of `first` (the clip's start timecode, or 0)
  std::string timecode_out;  // of `last`
  Transition in = Transition::kStart;  // how this shot begins
  // For kDissolve: the frames over which the previous shot blends into this one.
  int64_t transition_first = -1, transition_last = -1;
  double score = 0;  // strength of the boundary that starts this shot (0..1)
};

struct ShotOptions {
  int thumbnail_width = 96;
  // Shots shorter than this are merged into their neighbour (a single black leader frame, a
  // double detection): 6 frames is a quarter of a second at 24 fps.
  int min_shot_frames = 6;
  double cut_min_score = 0.12;  // absolute floor of a cut's difference score (0..1)
  double cut_ratio = 3.0;       // and how far it must stand out from its neighbourhood
  bool dissolves = true;
};

// A frame reduced for comparison: thumbnail RGB (display-referred, 0..1) and a normalised
// 6x6x6 RGB histogram.
struct FrameSignature {
  int width = 0, height = 0;
  std::vector<float> rgb;
  std::vector<float> histogram;
};

// Difference of two signatures in 0..1: half histogram L1, half mean absolute pixel difference
// (scaled so that a typical cut scores well above 0.3 and motion below 0.1).
double signature_distance(const FrameSignature& a, const FrameSignature& b);

// The signature of a linear frame, encoded with `transfer` for comparison.
FrameSignature signature_of_linear(const Image& linear, colour::Transfer transfer,
                                   int thumb_width = 96);

// The signature of packed 8-bit BGR code values (an analysis frame), rows `stride` bytes apart.
FrameSignature signature_of_bgr8(const uint8_t* bgr, int width, int height, size_t stride,
                                 int thumb_width = 96);

// The signature of packed 16-bit RGB code values (a decoder's rgb48 frame).
FrameSignature signature_of_rgb48(const uint16_t* rgb, int width, int height, int thumb_width = 96);

// The core, over signatures (tests feed synthetic ones).
std::vector<Shot> detect_shots(const std::vector<FrameSignature>& frames,
                               const ShotOptions& options);

// Reads every frame of `source` (frames [first, last], last -1 = to the end) and detects its shots.
// `progress(done, total)` is called per frame; returning false cancels (kCancelled).
using ShotProgress = std::function<bool(int64_t done, int64_t total)>;
Result<std::vector<Shot>> detect_shots(io::FrameSource& source, const ShotOptions& options = {},
                                       const ShotProgress& progress = {});

}  // namespace fl::analysis
