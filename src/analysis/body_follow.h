// A character keeps their identity while tracked when their face turns away: what surrounds the
// face they were last seen with (hair, shoulders, clothes) is followed from frame to frame by its
// corners (Lucas-Kanade optical flow, checked forwards and back), and the face box moves with it,
// until the face is found again, the person is lost or leaves the frame, or the shot cuts.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "analysis/character_tracks.h"

namespace fl::analysis {

// Where the clothing lies below a face (in the face's own pixels).
cv::Rect clothing_region(const cv::Rect2f& face);
// Hue-saturation histogram (8x4, normalised) of the clothing; empty when too little has a hue.
std::vector<float> body_colour(const cv::Mat& bgr, const cv::Rect2f& face);
// Where a person is around their face: hair, head, shoulders and the clothes below.
cv::Rect presence_region(const cv::Rect2f& face);
// The middle half of the face (skin) and the clothing below it, as mean CIELAB.
Appearance appearance(const cv::Mat& bgr, const cv::Rect2f& face);

// The faces of `before` (the frame before, in full-frame pixels) that no sighting of `now`
// continues, followed by what surrounds them from `bgr_before` onto `bgr` (the two frames, at
// 1/to_full of full size).
// `cut`: the frames lie either side of a cut (nothing is followed across one).
std::vector<Sighting> follow_bodies(const cv::Mat& bgr_before, const cv::Mat& bgr, float to_full,
                                    int64_t frame, const std::vector<Sighting>& before,
                                    const std::vector<Sighting>& now, bool cut,
                                    const CharacterOptions& options);

}  // namespace fl::analysis
