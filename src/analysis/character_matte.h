// Where one character of a cast is on a frame, and their soft matte: the person segmentation
// inside the region below their face, shared out with the other characters on the frame.
#pragma once

#include <optional>

#include <opencv2/core.hpp>

#include "analysis/characters.h"
#include "ml/person_segmenter.h"

namespace fl::analysis {

// The character's face box on `frame` (full-frame pixels), followed linearly between the
// sightings of the track that spans the frame; nullopt when none of their tracks does.
std::optional<FaceBox> face_at(const Character& character, int64_t frame);

struct MatteOptions {
  float dilate = 0;   // full-resolution pixels the matte grows by
  float feather = 0;  // full-resolution width of its soft edge
  bool invert = false;
};

// The matte (CV_32F, 0..1, the size of `bgr`) of cast.characters[who] on `frame`; `bgr` is that
// frame, display-referred, at `scale` of the full frame. Their face is always inside it (the
// detector saw it there); the segmentation adds the body below, up to where another
// character on the frame is nearer. All zero (one, inverted) where they are not on screen.
cv::Mat character_matte(const cv::Mat& bgr, double scale, const Cast& cast, size_t who,
                        int64_t frame, ml::PersonSegmenter& segmenter,
                        const MatteOptions& options = {});

}  // namespace fl::analysis
