// Object removal on real footage (vtest.avi, a locked-off camera over a plaza): a synthetic
// object moving across real frames is removed again, and the result is scored inside the mask
// against the untouched frames, beside OpenCV's Telea inpainting of the same holes (the issue's
// targets: >= 40 dB, and >= 15 dB above Telea). Scores are display-referred (Rec.709 encoded).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "colour/transfer.h"
#include "inpaint/background_plate.h"
#include "inpaint/hole_plate.h"
#include "inpaint/temporal_fill.h"
#include "removal_cases.h"

namespace fl::inpaint {
namespace {

// Mean frame-to-frame change inside the hole of `b`, display-referred: flicker.
double change_in_mask(const Image& a, const Image& b, const std::vector<float>& hole) {
  double sum = 0;
  int64_t n = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x) {
      if (hole[size_t(y) * size_t(a.width()) + size_t(x)] < 0.5f) continue;
      for (int c = 0; c < 3; ++c) sum += std::abs(encode(a.at(x, y)[c]) - encode(b.at(x, y)[c]));
      n += 3;
    }
  return n ? sum / double(n) : 0;
}

// The peer: OpenCV's Telea inpainting of the display-referred 8-bit frame.
Image telea(const Image& dirty, const std::vector<float>& hole) {
  cv::Mat3b bgr(dirty.height(), dirty.width());
  cv::Mat1b mask(dirty.height(), dirty.width());
  for (int y = 0; y < dirty.height(); ++y)
    for (int x = 0; x < dirty.width(); ++x) {
      const float* p = dirty.at(x, y);
      bgr(y, x) = cv::Vec3b(cv::saturate_cast<uchar>(encode(p[2]) * 255),
                            cv::saturate_cast<uchar>(encode(p[1]) * 255),
                            cv::saturate_cast<uchar>(encode(p[0]) * 255));
      mask(y, x) = hole[size_t(y) * size_t(dirty.width()) + size_t(x)] >= 0.01f ? 255 : 0;
    }
  cv::Mat3b out;
  cv::inpaint(bgr, mask, out, 3, cv::INPAINT_TELEA);
  static const auto& curve = colour::TransferCurve::get(colour::Transfer::kBt709);
  Image img(dirty.bounds());
  img.copy_from(dirty);
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) {
      float* p = img.at(x, y);
      for (int c = 0; c < 3; ++c) p[c] = curve.to_linear(out(y, x)[2 - c] / 255.0f);
    }
  return img;
}

// Texture kept inside the hole: mean gradient magnitude of `a` over the original's there
// (a diffusion's smooth smear scores near 0, a copy of the real background 1).
double texture_in_mask(const Image& a, const Image& original, const std::vector<float>& hole) {
  auto gradient = [&](const Image& img) {
    double sum = 0;
    for (int y = 1; y < img.height(); ++y)
      for (int x = 1; x < img.width(); ++x) {
        if (hole[size_t(y) * size_t(img.width()) + size_t(x)] < 0.5f) continue;
        const auto l = [&](int px, int py) {
          const float* p = img.at(px, py);
          return encode(0.2126f * p[0] + 0.7152f * p[1] + 0.0722f * p[2]);
        };
        sum += std::hypot(l(x, y) - l(x - 1, y), l(x, y) - l(x, y - 1));
      }
    return sum;
  };
  return gradient(a) / std::max(1e-9, gradient(original));
}

struct Scores {
  double ours = 0, peer = 0, flicker_ours = 0, flicker_original = 0;
  double texture_ours = 0, texture_peer = 0;
};

// The plate frame `t` is filled with, if any (a clean plate, or the fill's own in its view).
using PlateFor = std::function<const Image*(int t)>;

Scores remove(Case& c, int count, bool expect_propagated = true, const PlateFor& plate_for = {},
              bool local_motion = true) {
  const int kWindow = 6;
  Scores r;
  double& ours = r.ours;
  double& peer = r.peer;
  double& flicker_ours = r.flicker_ours;
  double& flicker_original = r.flicker_original;
  int scored = 0;
  Image previous;
  for (int t = kWindow; t < count - kWindow; ++t) {
    std::vector<MaskedFrame> nbs;
    for (int dt = -kWindow; dt <= kWindow; ++dt)
      if (dt != 0) nbs.push_back({&c.dirty[size_t(t + dt)], &c.masks[size_t(t + dt)], dt});
    Image out(c.dirty[size_t(t)].bounds());
    FillReport report;
    FillOptions options;
    const Image* plate = plate_for ? plate_for(t) : nullptr;
    options.plate = plate;
    options.local_motion = local_motion;
    options.grain_seed = uint64_t(t);  // as the op seeds it: by frame
    const Status st = fill_from_neighbours({&c.dirty[size_t(t)], &c.masks[size_t(t)], 0}, nbs,
                                           options, out, &report);
    EXPECT_TRUE(st.ok()) << st.to_string();
    if (expect_propagated)
      EXPECT_GT(report.propagated, report.hole_pixels * 9 / 10);
    else if (plate)
      EXPECT_EQ(report.from_plate, report.hole_pixels);
    else
      EXPECT_EQ(report.synthesised, report.hole_pixels);
    const Image& truth = c.original[size_t(t)];
    const auto& hole = c.holes[size_t(t)];
    const Image peer_out = telea(c.dirty[size_t(t)], hole);
    ours += psnr_in_mask(out, truth, hole);
    peer += psnr_in_mask(peer_out, truth, hole);
    r.texture_ours += texture_in_mask(out, truth, hole);
    r.texture_peer += texture_in_mask(peer_out, truth, hole);
    if (!previous.empty()) {
      flicker_ours += change_in_mask(previous, out, c.holes[size_t(t)]);
      flicker_original +=
          change_in_mask(c.original[size_t(t - 1)], c.original[size_t(t)], c.holes[size_t(t)]);
    }
    previous = std::move(out);
    ++scored;
  }
  ours /= scored;
  peer /= scored;
  r.texture_ours /= scored;
  r.texture_peer /= scored;
  flicker_ours /= scored - 1;
  flicker_original /= scored - 1;
  return r;
}

TEST(FillQuality, MovingObjectOnALockedOffCameraIsRemovedFromRealFootage) {
  Case c = moving_object(200, 24);
  const Scores s = remove(c, 24);
  std::printf(
      "vtest, moving 40x40 object, locked-off camera: fill %.2f dB, Telea %.2f dB in the "
      "mask; frame-to-frame change in the mask %.4f (original %.4f)\n",
      s.ours, s.peer, s.flicker_ours, s.flicker_original);
  // No flicker: the filled hole changes from frame to frame no more than the real footage did.
  EXPECT_LE(s.flicker_ours, 1.5 * s.flicker_original + 1e-3);
  EXPECT_GE(s.ours, 40.0);
  EXPECT_GE(s.ours - s.peer, 15.0);
}

TEST(FillQuality, MovingObjectUnderACameraMoveIsRemovedFromRealFootage) {
  Case c = moving_object(200, 24, 2.7);
  const Scores s = remove(c, 24);
  std::printf(
      "vtest, moving 40x40 object, camera panning 2.7 px/frame and zooming: fill %.2f dB, Telea "
      "%.2f dB "
      "in the mask; frame-to-frame change in the mask %.4f (original %.4f)\n",
      s.ours, s.peer, s.flicker_ours, s.flicker_original);
  EXPECT_LE(s.flicker_ours, 1.5 * s.flicker_original + 1e-3);
  EXPECT_GE(s.ours, 33.0);
  EXPECT_GE(s.ours - s.peer, 12.0);
}

// Parallax: the camera tracks sideways past a scene of two depths and the object crosses the
// near one, so the global motion (fitted to the whole frame, mostly the far buildings) misaligns
// the hole's surroundings; a local motion around the hole aligns them.
TEST(FillQuality, MovingObjectUnderParallaxIsRemovedFromRealFootage) {
  Case c = moving_object(200, 24, 2.7, kMovingObjectNear, true);
  const Scores s = remove(c, 24);
  const Scores global_only = remove(c, 24, true, {}, false);
  std::printf(
      "vtest, moving 40x40 object, camera tracking 2.7 px/frame past two depths (parallax): fill "
      "%.2f dB (global motion only %.2f dB), Telea %.2f dB in the mask; frame-to-frame change "
      "in the mask %.4f (original %.4f)\n",
      s.ours, global_only.ours, s.peer, s.flicker_ours, s.flicker_original);
  EXPECT_LE(s.flicker_ours, 1.5 * s.flicker_original + 1e-3);
  EXPECT_GE(s.ours, 35.0);
  EXPECT_GE(s.ours, global_only.ours + 4.0);
  EXPECT_GE(s.ours - s.peer, 6.0);  // Telea does well on smooth paving (29 dB)
}

TEST(FillQuality, FixedBlemishUnderACameraMoveIsUncoveredByTheMove) {
  Case c = moving_object(200, 24, 2.7, kBlemish);
  const Scores s = remove(c, 24);
  std::printf(
      "vtest, fixed 40x40 blemish, camera panning 2.7 px/frame and zooming: fill %.2f dB, Telea "
      "%.2f dB in the mask; frame-to-frame change in the mask %.4f (original %.4f)\n",
      s.ours, s.peer, s.flicker_ours, s.flicker_original);
  EXPECT_LE(s.flicker_ours, 1.5 * s.flicker_original + 1e-3);
  EXPECT_GE(s.ours, 33.0);
  EXPECT_GE(s.ours - s.peer, 12.0);
}

// Nothing ever uncovers a fixed blemish on a locked-off camera: every pixel is synthesised.
// Scored separately, as the issue asks: PSNR, how much of the real texture is kept, flicker.
TEST(FillQuality, NeverUncoveredStructureIsSynthesisedBetterThanTelea) {
  Case c = moving_object(200, 16, 0, kBlemish);
  const Scores s = remove(c, 16, false);
  std::printf(
      "vtest, fixed 40x40 blemish on the windows, locked-off camera (never uncovered): synthesis "
      "%.2f dB, Telea %.2f dB in the mask; texture kept %.2f (Telea %.2f); frame-to-frame change "
      "%.4f (original %.4f)\n",
      s.ours, s.peer, s.texture_ours, s.texture_peer, s.flicker_ours, s.flicker_original);
  EXPECT_GE(s.ours, s.peer + 2.0);
  EXPECT_LE(s.flicker_ours, 2.0 * s.flicker_original + 1e-3);
}

// On grass, a diffusion's smear scores well in PSNR (the texture is fine noise around a flat
// mean); synthesis keeps the texture instead. Synthesised anew in each frame (`hold=false`), its
// flicker is above the footage's, bounded here so it cannot regress; the fill's own plate (the
// next test) is what holds it still.
TEST(FillQuality, NeverUncoveredTextureKeepsItsGrain) {
  Case c = moving_object(200, 16, 0, kBlemishOnGrass);
  const Scores s = remove(c, 16, false);
  std::printf(
      "vtest, fixed 40x40 blemish on grass, locked-off camera (never uncovered): synthesis %.2f "
      "dB, Telea %.2f dB in the mask; texture kept %.2f (Telea %.2f); frame-to-frame change %.4f "
      "(original %.4f)\n",
      s.ours, s.peer, s.texture_ours, s.texture_peer, s.flicker_ours, s.flicker_original);
  EXPECT_GE(s.texture_ours, 0.8);
  EXPECT_GE(s.texture_ours, s.texture_peer + 0.5);
  EXPECT_GE(s.ours, s.peer - 3.0);
  EXPECT_LE(s.flicker_ours, 0.01);
}

// With a clean plate of the shot (the blemish masked in every frame, so the plate synthesised
// it once), the never-uncovered hole takes the same background in every frame: no flicker.
TEST(FillQuality, NeverUncoveredHoleHoldsStillWithACleanPlate) {
  Case c = moving_object(200, 16, 0, kBlemishOnGrass);
  PlateBuilder builder(c.dirty[8], &c.masks[8], 16);
  for (size_t i = 0; i < c.dirty.size(); ++i) builder.add(c.dirty[i], &c.masks[i]);
  auto plate = builder.finish();
  ASSERT_TRUE(plate.ok()) << plate.status().message();
  const Scores s = remove(c, 16, false, [&](int) { return &*plate; });
  std::printf(
      "vtest, fixed 40x40 blemish on grass, locked-off camera, with a clean plate: %.2f dB, "
      "Telea %.2f dB in the mask; texture kept %.2f (Telea %.2f); frame-to-frame change %.4f "
      "(original %.4f)\n",
      s.ours, s.peer, s.texture_ours, s.texture_peer, s.flicker_ours, s.flicker_original);
  EXPECT_LE(s.flicker_ours, 2.0 * s.flicker_original + 1e-3);
  EXPECT_GE(s.texture_ours, s.texture_peer + 0.3);
  EXPECT_GE(s.ours, s.peer - 3.0);
}

// The fill's own plate (`hold`, the default): the blemish outlasts every temporal window, so
// the holes' part of a plate is made once from frames across the shot, synthesised where no
// frame saw it, and shown in each frame's view: it holds as still as the footage.
// Fills every scored frame of `c` with the fill's own plate, built as the op builds it.
Scores remove_with_own_plate(Case& c, const Rect& blemish) {
  const int n = int(c.dirty.size());
  const FrameSource frames = [&](int64_t f, double) -> Result<Image> { return c.dirty[size_t(f)]; };
  const FrameSource masks = [&](int64_t f, double) -> Result<Image> { return c.masks[size_t(f)]; };
  auto box = lasting_hole_box(n, n, masks, 6, 768, 576);
  EXPECT_TRUE(box.ok());
  // The blemish's box, to the 1/8 grid it is found on.
  EXPECT_TRUE(box->contains(blemish)) << box->x << "," << box->y;
  EXPECT_TRUE((blemish.expanded(16).contains(*box))) << box->x << "," << box->y;
  auto plate = build_hole_plate(n, n, frames, masks, *box);
  EXPECT_TRUE(plate.ok()) << plate.status().message();
  if (!plate.ok() || !plate->has_value()) return {};
  EXPECT_GT((*plate)->report.masked_everywhere, 0);
  EXPECT_LT((*plate)->levels[0].bounds().area(), 768 * 576 / 4);  // only the holes' region
  std::vector<Image> views(static_cast<size_t>(n));
  return remove(c, 16, false, [&](int t) {
    views[size_t(t)] = plate_view(**plate, 1.0, c.dirty[size_t(t)], &c.masks[size_t(t)]);
    return &views[size_t(t)];
  });
}

// The fill's own plate (`hold`, the default): a blemish outlasts every temporal window, so the
// holes' part of a plate is made once from frames across the shot, synthesised where no frame
// saw it, and shown in each frame's view: it holds still, and scores as synthesis per frame does.
TEST(FillQuality, NeverUncoveredHoleHoldsStillWithTheFillsOwnPlate) {
  for (const auto& [shape, blemish, name] :
       {std::tuple{kBlemishOnGrass, Rect{330, 400, 40, 40}, "grass"},
        std::tuple{kBlemish, Rect{420, 70, 40, 40}, "the windows"}}) {
    Case c = moving_object(200, 16, 0, shape);
    const Scores s = remove_with_own_plate(c, blemish);
    const Scores per_frame = remove(c, 16, false);
    std::printf(
        "vtest, fixed 40x40 blemish on %s, locked-off camera, the fill's own plate: %.2f dB "
        "(per-frame synthesis %.2f), Telea %.2f dB in the mask; texture kept %.2f (Telea %.2f); "
        "frame-to-frame change %.4f (per-frame synthesis %.4f, original %.4f)\n",
        name, s.ours, per_frame.ours, s.peer, s.texture_ours, s.texture_peer, s.flicker_ours,
        per_frame.flicker_ours, s.flicker_original);
    EXPECT_LE(s.flicker_ours, 2.0 * s.flicker_original + 1e-3) << name;
    EXPECT_LE(s.flicker_ours, 0.5 * per_frame.flicker_ours) << name;
    EXPECT_GE(s.ours, per_frame.ours - 1.5) << name;
    if (blemish.y > 300) {  // grass: the texture is what Telea loses
      EXPECT_GE(s.texture_ours, s.texture_peer + 0.3);
      EXPECT_GE(s.ours, s.peer - 3.0);
    } else {  // structure: synthesis beats Telea in PSNR too
      EXPECT_GE(s.ours, s.peer + 1.5);
    }
  }
}

// Grainy footage: the held hole is not frozen in it. The grain is measured in time on the ring
// (frame against its nearest neighbour) and what the plate lacks is added back, new each frame.
TEST(FillQuality, AHeldHoleKeepsTheFootagesGrain) {
  Case c = moving_object(200, 16, 0, kBlemishOnGrass);
  cv::RNG rng(7);
  for (size_t f = 0; f < c.dirty.size(); ++f) {
    // The same grain in the footage with and without the blemish (it is the film's).
    Image& d = c.dirty[f];
    Image& o = c.original[f];
    for (size_t i = 0; i < d.pixel_count() * 4; ++i) {
      if (i % 4 == 3) continue;
      const float n = float(rng.gaussian(0.01));
      static const auto& curve = colour::TransferCurve::get(colour::Transfer::kBt709);
      d.data()[i] = curve.to_linear(std::clamp(encode(d.data()[i]) + n, 0.0f, 1.0f));
      o.data()[i] = curve.to_linear(std::clamp(encode(o.data()[i]) + n, 0.0f, 1.0f));
    }
  }
  const Scores s = remove_with_own_plate(c, Rect{330, 400, 40, 40});
  std::printf(
      "grainy vtest, fixed blemish on grass, the fill's own plate: frame-to-frame change "
      "%.4f (original %.4f), %.2f dB (Telea %.2f)\n",
      s.flicker_ours, s.flicker_original, s.ours, s.peer);
  EXPECT_GE(s.flicker_ours, 0.6 * s.flicker_original);
  EXPECT_LE(s.flicker_ours, 1.5 * s.flicker_original);
}

// A moving object is uncovered within the window: no plate is needed, none is made.
TEST(FillQuality, AnObjectUncoveredInTimeNeedsNoPlate) {
  Case c = moving_object(200, 24);
  const int n = int(c.dirty.size());
  const FrameSource masks = [&](int64_t f, double) -> Result<Image> { return c.masks[size_t(f)]; };
  auto box = lasting_hole_box(n, n, masks, 6, 768, 576);
  ASSERT_TRUE(box.ok());
  EXPECT_TRUE(box->empty()) << box->x << "," << box->y << " " << box->w << "x" << box->h;
}

}  // namespace
}  // namespace fl::inpaint
