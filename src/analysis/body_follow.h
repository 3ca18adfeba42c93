// A character keeps their identity while tracked when their face turns away: the clothing below
// the face they were last seen with is followed (mean shift on its colour), and the face box moves
// with it, until the face is found again, the clothing is lost, or the shot cuts.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "analysis/character_tracks.h"

namespace fl::analysis {

// Where the clothing lies below a face (in the face's own pixels).
cv::Rect clothing_region(const cv::Rect2f& face);
// Hue-saturation histogram (8x4, normalised) of the clothing; empty when too little has a hue.
std::vector<float> body_colour(const cv::Mat& bgr, const cv::Rect2f& face);
// What following looks for: the clothing's colours without the face's skin colours (normalised;
// empty when too little of the clothing is unlike the skin).
std::vector<float> clothing_model(const cv::Mat& bgr, const cv::Rect2f& face);
// Mean (0..1) of the model's back-projection over the clothing below `face`.
float clothing_match(const cv::Mat& bgr, const cv::Rect2f& face, const std::vector<float>& model);
// The middle half of the face (skin) and the clothing below it, as mean CIELAB.
Appearance appearance(const cv::Mat& bgr, const cv::Rect2f& face);

// The faces of `before` (the frame before, in full-frame pixels) that no sighting of `now`
// continues, followed by their clothing onto `bgr` (this frame, at 1/to_full of full size).
// `cut`: the frames lie either side of a cut (nothing is followed across one).
std::vector<Sighting> follow_bodies(const cv::Mat& bgr, float to_full, int64_t frame,
                                    const std::vector<Sighting>& before,
                                    const std::vector<Sighting>& now, bool cut,
                                    const CharacterOptions& options);

}  // namespace fl::analysis
