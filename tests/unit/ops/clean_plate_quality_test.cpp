// Clean plates on real footage: a synthetic object crosses real frames of vtest.avi, the plate
// is built from those frames, and it is scored inside the object's footprint at the reference
// frame against the untouched frame, beside the plain temporal mean of the same frames (what a
// naive plate does: the object leaves a ghost).
#include <gtest/gtest.h>

#include <cstdio>

#include "inpaint/background_plate.h"
#include "removal_cases.h"

namespace fl::inpaint {
namespace {

Image temporal_mean(const std::vector<Image>& frames) {
  Image out(frames[0].bounds());
  out.fill(0, 0, 0, 0);
  for (const Image& f : frames)
    for (size_t i = 0; i < out.float_count(); ++i)
      out.data()[i] += f.data()[i] / float(frames.size());
  return out;
}

struct PlateScores {
  double plate = 0, mean = 0, dirty = 0;
  PlateReport report;
};

PlateScores build(Case& c, int reference, bool with_masks) {
  PlateBuilder builder(c.dirty[size_t(reference)],
                       with_masks ? &c.masks[size_t(reference)] : nullptr, int(c.dirty.size()));
  EXPECT_TRUE(
      builder.add(c.dirty[size_t(reference)], with_masks ? &c.masks[size_t(reference)] : nullptr));
  for (size_t i = 0; i < c.dirty.size(); ++i)
    if (int(i) != reference) builder.add(c.dirty[i], with_masks ? &c.masks[i] : nullptr);
  PlateScores s;
  auto plate = builder.finish(&s.report);
  EXPECT_TRUE(plate.ok()) << plate.status().message();
  if (!plate.ok()) return s;
  const Image& truth = c.original[size_t(reference)];
  const auto& hole = c.holes[size_t(reference)];
  s.plate = psnr_in_mask(*plate, truth, hole);
  s.mean = psnr_in_mask(temporal_mean(c.dirty), truth, hole);
  s.dirty = psnr_in_mask(c.dirty[size_t(reference)], truth, hole);
  return s;
}

TEST(CleanPlate, AnObjectCrossingALockedOffShotIsGoneFromThePlate) {
  Case c = moving_object(200, 40);
  const PlateScores s = build(c, 20, false);
  std::printf(
      "vtest, 40x40 object crossing, locked-off: plate %.2f dB in its footprint, "
      "temporal mean %.2f dB, the frame itself %.2f dB (%d samples)\n",
      s.plate, s.mean, s.dirty, s.report.samples);
  EXPECT_EQ(s.report.samples, 40);
  EXPECT_EQ(s.report.synthesised, 0);
  EXPECT_GE(s.plate, 36.0);
  EXPECT_GE(s.plate, s.mean + 10.0);
}

TEST(CleanPlate, ThePlateFollowsACameraMoveIntoTheReferenceView) {
  Case c = moving_object(200, 40, 2.7);
  const PlateScores s = build(c, 20, false);
  std::printf(
      "vtest, 40x40 object crossing, camera panning 2.7 px/frame and zooming: plate "
      "%.2f dB in its footprint, temporal mean %.2f dB, the frame itself %.2f dB\n",
      s.plate, s.mean, s.dirty);
  EXPECT_GE(s.plate, 32.0);
  EXPECT_GE(s.plate, s.mean + 10.0);
}

TEST(CleanPlate, WhatIsMaskedInEveryFrameIsSynthesised) {
  // A fixed object, masked in every frame: no sample may show it, so it is synthesised.
  Case c = moving_object(200, 12, 0, kBlemish);
  const PlateScores s = build(c, 6, true);
  std::printf(
      "vtest, fixed 40x40 object masked in every frame: plate %.2f dB in the mask "
      "(synthesised %lld px), the frame itself %.2f dB\n",
      s.plate, (long long)s.report.synthesised, s.dirty);
  EXPECT_GE(s.report.synthesised, 44 * 44);  // the 40x40 object dilated by 2
  EXPECT_EQ(s.report.masked_everywhere, s.report.synthesised);
  EXPECT_GE(s.plate, s.dirty + 6.0);
}

TEST(CleanPlate, RefusesWhenNothingIsSeen) {
  Image frame(64, 48), mask(64, 48);
  frame.fill(0.5f, 0.4f, 0.3f, 1);
  mask.fill(1, 1, 1, 1);
  PlateBuilder builder(frame, &mask, 3);
  builder.add(frame, &mask);
  auto plate = builder.finish();
  ASSERT_FALSE(plate.ok());
  EXPECT_NE(plate.status().message().find("no frame shows"), std::string::npos);
}

}  // namespace
}  // namespace fl::inpaint
