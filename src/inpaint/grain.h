// Grain for what a fill made rather than copied: a plate is a trimmed mean of many frames and a
// synthesis copies patches of a mean, so both hold still where the footage's grain moves, and a
// held hole would sit frozen in grainy footage (a classic compositing tell). The grain is
// measured in time, not in space (a spatial high-pass cannot tell grain from grass): on the
// ring around the hole, between the frame and its nearest neighbour aligned to it. What the fill
// made gets noise of that level, new in every frame, reproducible from a seed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include <opencv2/core.hpp>

namespace fl::inpaint {

// The grain level per channel (square-root code values, where grain is about even from shadows
// to highlights) of two float RGBA pictures of the same background, over `where`: robust
// (median absolute deviation) and halved in variance (the difference holds both frames' grain).
// nullopt when too few pixels say.
std::optional<std::array<float, 3>> temporal_grain(const cv::Mat& a, const cv::Mat& b,
                                                   const cv::Mat1b& where);

// Adds grain of `level` to the pixels `made` of `work` (float RGBA).
void add_grain(cv::Mat& work, const cv::Mat1b& made, const std::array<float, 3>& level,
               uint64_t seed);

}  // namespace fl::inpaint
