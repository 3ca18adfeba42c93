// The grade that holds one character to their reference look (character_lock): per shot, a
// smooth curve per channel fitted on the character's own pixels, face skin first and clothing
// second, in display-referred code values; applied inside their matte only.
#pragma once

#include <array>
#include <vector>

#include <opencv2/core.hpp>

#include "analysis/characters.h"
#include "colour/delta_e.h"
#include "colour/transfer.h"

namespace fl::analysis {

// A character's pixels, code values (RGB, 0..1): the middle of the face and the clothing the
// matte holds below it.
struct LookSamples {
  std::vector<cv::Vec3f> face, clothing;
  bool empty() const { return face.empty(); }
};

// Adds the pixels of one frame: `rgb` is CV_32FC3 code values, `matte` CV_32F of the same size,
// `face` the character's face box in those pixels.
void sample_character(const cv::Mat& rgb, const cv::Mat& matte, const cv::Rect2f& face,
                      LookSamples& into);

// Each channel out = m . (1, r, g, b, r^2, g^2, b^2): a colourist's primaries (offset, a 3x3
// matrix, a bend per channel), monotone in its own channel on [0, 1].
struct CharacterGrade {
  using Row = std::array<double, 7>;
  std::array<Row, 3> m{Row{0, 1, 0, 0, 0, 0, 0}, Row{0, 0, 1, 0, 0, 0, 0},
                       Row{0, 0, 0, 1, 0, 0, 0}};
  bool is_identity() const;
  // Code values in place, interleaved RGBA: pixel i moves by weight[i] toward its graded value.
  void apply(float* rgba, const float* weight, size_t pixels) const;
  void apply(cv::Vec3f& rgb) const;
  // Moves `k` of the way from no change to this grade.
  CharacterGrade blended(double k) const;
};

// The grade taking `shot`'s pixels onto `reference`'s. Each region's pixels are sorted by
// lightness and paired band by band with the reference's (optimal transport along lightness;
// a band keeps its colours together, so saturation and balance show), and the grade is fitted
// to the band means, face weighted over clothing, held near no change where they say little.
// Identity when either has no face pixels.
CharacterGrade fit_character_grade(const LookSamples& shot, const LookSamples& reference);

// Mean CIELAB of the face pixels (code values decoded with `transfer`).
colour::Lab mean_face_lab(const LookSamples& s, colour::Transfer transfer,
                          const CharacterGrade* grade = nullptr);

}  // namespace fl::analysis
