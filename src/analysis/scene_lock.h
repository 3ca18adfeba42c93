// Scene lock: fit, per shot, the grade that makes the shot look like a reference.
//
// What the reference and the shot share decides how the grade is found (DESIGN.md §1, analysis
// passes; the state is small and exportable: a LUT and a CDL per shot):
//  - the same picture (a re-graded or drifted copy of the reference frame): every pixel of the
//    best-matching frame corresponds to the reference pixel at the same place;
//  - the same set-up (coverage cutting back to the same angle): features matched between the
//    reference and frames of the shot give a homography; the reference is warped onto each frame
//    and flat, well-aligned areas correspond (edges and anything that moved are down-weighted,
//    then ignored by the fit's robust weights);
//  - different content (shot / reverse shot): colour statistics only, regularised so that the
//    fit cannot invent a colour cast: lightness and contrast move toward the reference's, the
//    mean chroma shift is damped and capped, and highlights and blacks stay neutral.
// Each shot gets one grade, so nothing inside a shot can flicker or pump.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "colour/grade_fit.h"
#include "framelock/image.h"
#include "framelock/status.h"

namespace fl::analysis {

enum class LockMatch { kSameContent, kAligned, kFeatures, kStatistics };
const char* lock_match_name(LockMatch m);

struct LockOptions {
  enum class Mode { kAuto, kSameContent, kAligned, kStatistics };
  Mode mode = Mode::kAuto;
  int candidates_per_shot = 24;     // frames of a shot compared with the reference
  double same_content_score = 0.9;  // gradient correlation that means "the same picture"
  int min_inliers = 40;             // features on one homography: "the same framing"
  int min_feature_matches = 60;     // mutual feature matches over the shot: "the same set-up"
  colour::Transfer encoding = colour::Transfer::kBt709;  // the code values grades work on
  // A preview's stand-in: a coarser 3D correction, one robust pass, no CDL (tens of ms).
  bool preview = false;
};

struct ShotLock {
  int64_t first = 0, last = 0;  // frames, inclusive
  LockMatch match = LockMatch::kStatistics;
  int64_t matched_frame = -1;  // the frame that best matches the reference
  int reference_index = 0;     // which of the references it was locked to
  double structure = 0;        // its gradient correlation with the reference (-1..1)
  int inliers = 0;             // homography inliers (kAligned), mutual matches (kFeatures)
  colour::GradeFit fit;        // shot code values -> reference look
  // Colour distance to the reference (mean ΔE2000) before and after the grade: over
  // corresponding pixels for kSameContent/kAligned, between mean colours for kStatistics.
  double delta_e_before = 0, delta_e_after = 0;
};

// Frame `n` of the clip, linear light in the working space (Rec.709 primaries for the ΔE
// figures), at the analysis size.
using LockFrameReader = std::function<Result<Image>(int64_t frame)>;
using LockProgress = std::function<bool(int64_t done, int64_t total)>;  // false: cancel

struct ShotRange {
  int64_t first = 0, last = 0;
};

// One grade per shot. `reference` is linear, any size (it is resampled to the frames').
Result<std::vector<ShotLock>> lock_shots(const std::vector<ShotRange>& shots,
                                         const LockFrameReader& read, const Image& reference,
                                         const LockOptions& options = {},
                                         const LockProgress& progress = {});

// The frames of a reference shot that stand for it (`reference=shot:N`): three spread through
// it, clear of its cuts (a dissolve's frames are mixed). (7, 9 or 11 were measured: no better.)
std::vector<int64_t> reference_frames(const ShotRange& shot);

// A reference shot: several of its frames (`references`), of which each shot is locked to the
// one that looks most like it (the same angle, when the sequence cuts back to it). The shot at
// `reference_shot` (an index in `shots`, or -1) is the look itself and keeps it: no grade.
Result<std::vector<ShotLock>> lock_shots(const std::vector<ShotRange>& shots,
                                         const LockFrameReader& read,
                                         const std::vector<Image>& references, int reference_shot,
                                         const LockOptions& options = {},
                                         const LockProgress& progress = {});

// The look that maps one frame onto another (`framelock look fit`): the same machinery with a
// one-frame shot.
Result<ShotLock> fit_look(const Image& source, const Image& target,
                          const LockOptions& options = {});

// A smaller copy (area average) `width` pixels wide, for reports; a copy when already narrower.
Image shrink_to_width(const Image& src, int width);

// Apply a fitted grade (code values in `encoding`) to linear RGBA in place.
void apply_grade(const colour::Lut3D& lut, colour::Transfer encoding, float* rgba, size_t pixels);

}  // namespace fl::analysis
