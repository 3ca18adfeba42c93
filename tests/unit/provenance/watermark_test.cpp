// The watermark's pattern, its frame stage and its blind detector, on synthetic footage (the CLI
// tests and bench/watermark_attacks.sh run it on real clips through real encoders).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <functional>
#include <random>
#include <span>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "colour/transfer.h"
#include "provenance/payload_code.h"
#include "provenance/watermark_detect.h"
#include "provenance/watermark_stage.h"

namespace fl::provenance {
namespace {

WatermarkKey test_key(uint8_t seed) {
  WatermarkKey k;
  for (size_t i = 0; i < k.secret.size(); ++i) k.secret[i] = uint8_t(seed * 31 + i * 7);
  return k;
}

// A textured picture that moves a little each frame (grain, edges and gradients, as footage has).
Rgb48Image synthetic_frame(int w, int h, int frame) {
  std::mt19937 rng(uint32_t(1234 + frame));
  std::normal_distribution<float> grain(0.f, 600.f);
  Rgb48Image img(w, h);
  uint16_t* p = img.data();
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x, p += 3) {
      const double u = x + 2.0 * frame, v = y + 0.5 * frame;
      const double base = 30000 + 12000 * std::sin(u / 37.0) * std::cos(v / 23.0) +
                          8000 * std::sin((u + v) / 11.0) +
                          ((int(u) / 64 + int(v) / 48) % 2) * 6000;
      for (int c = 0; c < 3; ++c)
        p[c] = uint16_t(std::clamp(base * (0.8 + 0.1 * c) + grain(rng), 0.0, 65535.0));
    }
  return img;
}

cv::Mat luma8(const Rgb48Image& img) {
  cv::Mat y(img.height(), img.width(), CV_8U);
  const uint16_t* p = img.data();
  for (int r = 0; r < img.height(); ++r)
    for (int x = 0; x < img.width(); ++x, p += 3)
      y.at<uint8_t>(r, x) =
          uint8_t(std::lround((0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2]) / 257.0));
  return y;
}

double luma_psnr(const Rgb48Image& a, const Rgb48Image& b) {
  double se = 0;
  for (size_t i = 0; i < a.pixel_count(); ++i) {
    const uint16_t *p = a.data() + 3 * i, *q = b.data() + 3 * i;
    const double d = 0.2126 * (p[0] - q[0]) + 0.7152 * (p[1] - q[1]) + 0.0722 * (p[2] - q[2]);
    se += d * d;
  }
  return 10 * std::log10(65535.0 * 65535.0 / (se / double(a.pixel_count())));
}

Rgb48Image copy(const Rgb48Image& img) {
  Rgb48Image out(img.width(), img.height());
  std::copy(img.data(), img.data() + img.pixel_count() * 3, out.data());
  return out;
}

TEST(WatermarkPattern, PayloadPacksAndScramblesReversibly) {
  const WatermarkPayload p{0xabcdef1234, 513, 1};
  EXPECT_EQ(WatermarkPayload::unpack(p.pack()).record, p.record);
  EXPECT_EQ(WatermarkPayload::unpack(p.pack()).epoch, 513u);
  EXPECT_EQ(WatermarkPayload::unpack(p.pack()).version, 1);
  const MarkLayout layout(test_key(1));
  std::mt19937_64 rng(7);
  double flipped = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t v = rng();
    EXPECT_EQ(layout.unscramble(layout.scramble(v)), v);
    flipped += std::popcount(layout.scramble(v) ^ layout.scramble(v ^ 1));
    EXPECT_GE(layout.salt_for(v), 0);
    EXPECT_LT(layout.salt_for(v), kSalts);
  }
  // One payload bit changes about half the bits on the wire: no field maps to fixed chips.
  EXPECT_NEAR(flipped / 1000, 32.0, 2.0);
}

TEST(WatermarkPattern, TileIsBandLimitedUnitRmsAndTheSameAtEverySize) {
  const MarkLayout layout(test_key(2));
  const auto chips = layout.chips({42, 0, 1});
  const auto t256 = band_limited_tile(chips, 256), t512 = band_limited_tile(chips, 512);
  cv::Mat a(256, 256, CV_32F, const_cast<float*>(t256.data())), spec;
  EXPECT_NEAR(std::sqrt(cv::mean(a.mul(a))[0]), 1.0, 1e-3);
  cv::dft(a, spec, cv::DFT_COMPLEX_OUTPUT);
  double inside = 0, outside = 0;
  for (int y = 0; y < 256; ++y)
    for (int x = 0; x < 256; ++x) {
      const double r = std::hypot(x <= 128 ? x : x - 256, y <= 128 ? y : y - 256);
      const auto v = spec.at<cv::Vec2f>(y, x);
      (r >= kBandLow - 1e-9 && r <= kBandHigh + 1e-9 ? inside : outside) += v.dot(v);
    }
  EXPECT_LT(outside, 1e-8 * inside);
  // The 512 px tile is the 256 px one, sampled twice as finely.
  double dot = 0, n1 = 0, n2 = 0;
  for (int y = 0; y < 256; ++y)
    for (int x = 0; x < 256; ++x) {
      const double p = t256[size_t(y * 256 + x)], q = t512[size_t(2 * y * 512 + 2 * x)];
      dot += p * q;
      n1 += p * p;
      n2 += q * q;
    }
  EXPECT_GT(dot / std::sqrt(n1 * n2), 0.99);
}

TEST(WatermarkPattern, ManyOutputsAverageToNoCommonPattern) {
  const MarkLayout layout(test_key(3));
  const int n = 256;
  std::vector<double> mean(size_t(kChipCount), 0.0);
  for (int r = 0; r < n; ++r) {
    const auto c = layout.chips({uint64_t(1000 + r), uint32_t(r % 7), 1});
    for (int i = 0; i < kChipCount; ++i) mean[size_t(i)] += c[size_t(i)] / n;
  }
  double data = 0, pilot = 0;
  int data_n = 0, pilot_n = 0;
  for (int i = 0; i < kChipCount; ++i)
    if (layout.bit_of(i) >= 0) {
      data += mean[size_t(i)] * mean[size_t(i)];
      ++data_n;
    } else {
      pilot += mean[size_t(i)] * mean[size_t(i)];
      ++pilot_n;
    }
  // Data chips: like the mean of n random signs (RMS 1/16). Pilot chips: each of the kSalts
  // pilots at about 1/kSalts weight, where one fixed pilot would stay at full strength.
  EXPECT_LT(std::sqrt(data / data_n), 2.0 / std::sqrt(n));
  EXPECT_LT(std::sqrt(pilot / pilot_n), 0.45);
}

TEST(WatermarkStage, IntegerPathIsDeterministicMeetsItsPsnrAndSparesFlatAreas) {
  auto layout = std::make_shared<MarkLayout>(test_key(4));
  MarkOptions options;
  options.record = 0x1234;
  options.frame_rate = 24;
  const WatermarkStage one(layout, options), other(layout, options);
  const Rgb48Image original = synthetic_frame(720, 540, 0);
  Rgb48Image a = copy(original), b = copy(original);
  // Frame 110 (4.58 s) is where the mark's turn holds at +1 (mark_sign).
  ASSERT_TRUE(one.apply(110, a).ok());
  ASSERT_TRUE(other.apply(110, b).ok());
  EXPECT_TRUE(std::equal(a.data(), a.data() + a.pixel_count() * 3, b.data()));
  const double psnr = luma_psnr(a, original);
  EXPECT_GE(psnr, 44.0);
  EXPECT_LE(psnr, 46.0);  // and the budget is used, not wasted
  // Another epoch (4 s later) carries another pattern.
  Rgb48Image later = copy(original);
  ASSERT_TRUE(one.apply(110 + 96, later).ok());
  EXPECT_FALSE(std::equal(a.data(), a.data() + a.pixel_count() * 3, later.data()));
  EXPECT_EQ(one.payload(110 + 96).epoch, one.payload(110).epoch + 1);

  // The mark turns over in time: 1 s on (frame 134), it is the same pattern negated, and on
  // the ramp between (frame 122) a weaker one.
  EXPECT_EQ(one.sign(110), 1.0);
  EXPECT_EQ(one.sign(134), -1.0);
  EXPECT_GT(std::abs(one.sign(122)), 0.0);
  EXPECT_LT(std::abs(one.sign(122)), 1.0);
  Rgb48Image negated = copy(original), ramp = copy(original);
  ASSERT_TRUE(one.apply(134, negated).ok());
  ASSERT_TRUE(one.apply(122, ramp).ok());
  double matched = 0, sum_a = 0, sum_n = 0;
  for (size_t i = 0; i < original.pixel_count() * 3; ++i) {
    const double da = double(a.data()[i]) - original.data()[i];
    const double dn = double(negated.data()[i]) - original.data()[i];
    matched += std::abs(da + dn) <= 1;
    sum_a += da * da;
    sum_n += dn * dn;
  }
  EXPECT_GT(matched / double(original.pixel_count() * 3), 0.99);
  EXPECT_NEAR(sum_n / sum_a, 1.0, 0.02);
  EXPECT_GT(luma_psnr(ramp, original), psnr + 3.0);

  // A flat grey card: about a third of an 8-bit step, RMS.
  Rgb48Image flat(720, 540);
  std::fill(flat.data(), flat.data() + flat.pixel_count() * 3, uint16_t(30000));
  ASSERT_TRUE(one.apply(0, flat).ok());
  double se = 0;
  int worst = 0;
  for (size_t i = 0; i < flat.pixel_count() * 3; ++i) {
    const int d = int(flat.data()[i]) - 30000;
    se += double(d) * d;
    worst = std::max(worst, std::abs(d));
  }
  EXPECT_LE(std::sqrt(se / double(flat.pixel_count() * 3)) / 257.0, 0.36);
  EXPECT_LE(worst / 257.0, 2.0);

  // A grainy grey wall (noise of 0.7 8-bit codes: a flat area by the flat-region check's
  // measure, sigma < 1) beside texture, which pulls the budget its way: the mark stays below the
  // wall's own grain, RMS, and no value moves by more than 1.5 codes, so an 8-bit delivery of it
  // moves none by more than 2.
  Rgb48Image wall = synthetic_frame(720, 540, 3);
  std::mt19937 rng(9);
  std::normal_distribution<double> grain(0.0, 180.0);
  for (int y = 0; y < 540; ++y)
    for (int x = 360; x < 720; ++x) {
      const auto v = uint16_t(std::clamp(30000.0 + grain(rng), 0.0, 65535.0));
      for (int c = 0; c < 3; ++c) wall.data()[(size_t(y) * 720 + size_t(x)) * 3 + size_t(c)] = v;
    }
  Rgb48Image wall_marked = copy(wall);
  ASSERT_TRUE(one.apply(0, wall_marked).ok());
  se = 0;
  worst = 0;
  int worst8 = 0;
  size_t n = 0;
  for (int y = 0; y < 540; ++y)
    for (int x = 368; x < 720; ++x, ++n) {  // a block clear of the texture's edge
      const size_t i = (size_t(y) * 720 + size_t(x)) * 3;
      const int d = int(wall_marked.data()[i]) - int(wall.data()[i]);
      se += double(d) * d;
      worst = std::max(worst, std::abs(d));
      worst8 = std::max(worst8, std::abs(int(std::lround(wall_marked.data()[i] / 257.0)) -
                                         int(std::lround(wall.data()[i] / 257.0))));
    }
  EXPECT_LE(std::sqrt(se / double(n)) / 257.0, 0.7);
  EXPECT_LE(worst, 384);
  EXPECT_LE(worst8, 2);
  // Three quarters of a frame are grain of 1 code, where the peaks are clipped: what the clip
  // takes is given back to the texture, so the frame still meets its PSNR and spends its budget
  // (44.5 dB if it were not given back).
  Rgb48Image grainy = synthetic_frame(720, 540, 3);
  for (int y = 0; y < 540; ++y)
    for (int x = 180; x < 720; ++x) {
      const auto v = uint16_t(std::clamp(30000.0 + grain(rng) / 0.7, 0.0, 65535.0));
      for (int c = 0; c < 3; ++c) grainy.data()[(size_t(y) * 720 + size_t(x)) * 3 + size_t(c)] = v;
    }
  Rgb48Image grainy_marked = copy(grainy);
  ASSERT_TRUE(one.apply(0, grainy_marked).ok());
  EXPECT_GE(luma_psnr(grainy_marked, grainy), 44.0);
  EXPECT_LE(luma_psnr(grainy_marked, grainy), 44.3);

  // Saturation at both ends, never a wrap.
  Rgb48Image white(256, 256);
  std::fill(white.data(), white.data() + white.pixel_count() * 3, uint16_t(65500));
  ASSERT_TRUE(one.apply(0, white).ok());
  EXPECT_GT(*std::min_element(white.data(), white.data() + white.pixel_count() * 3), 60000);
}

TEST(WatermarkStage, FloatPathMarksWhatTheIntegerPathMarks) {
  auto layout = std::make_shared<MarkLayout>(test_key(5));
  MarkOptions options;
  options.record = 77;
  options.transfer = colour::Transfer::kBt709;
  const WatermarkStage stage(layout, options);
  const Rgb48Image original = synthetic_frame(480, 270, 3);
  Rgb48Image codes = copy(original);
  ASSERT_TRUE(stage.apply(10, codes).ok());
  const auto& curve = colour::TransferCurve::get(colour::Transfer::kBt709);
  Image linear(480, 270);
  for (size_t i = 0; i < original.pixel_count(); ++i) {
    for (int c = 0; c < 3; ++c)
      linear.data()[4 * i + size_t(c)] = curve.u16_to_linear(original.data()[3 * i + size_t(c)]);
    linear.data()[4 * i + 3] = 1.f;
  }
  ASSERT_TRUE(stage.apply(10, linear).ok());
  double worst = 0;
  for (size_t i = 0; i < original.pixel_count(); ++i)
    for (int c = 0; c < 3; ++c) {
      const double v = curve.to_encoded(linear.data()[4 * i + size_t(c)]) * 65535.0;
      worst = std::max(worst, std::abs(v - codes.data()[3 * i + size_t(c)]));
    }
  EXPECT_LT(worst, 24.0);  // 16-bit code units: a tenth of an 8-bit step
}

struct Clip {
  std::vector<cv::Mat> luma;
  std::vector<double> seconds;
};

// `frames` frames of a 24 fps output spread over its first 2 s (one turn of the mark: a
// detection needs the mark to have turned over in time), so a few frames make a test.
Clip marked_clip(const WatermarkStage* stage, int frames, int w, int h, int first = 0) {
  Clip clip;
  const int step = std::max(1, 48 / frames);
  for (int f = 0; f < frames; ++f) {
    const int frame = first + f * step;
    Rgb48Image img = synthetic_frame(w, h, frame);
    if (stage) {
      EXPECT_TRUE(stage->apply(frame, img).ok());
    }
    clip.luma.push_back(luma8(img));
    clip.seconds.push_back(frame / 24.0);
  }
  return clip;
}

Detection detect(const MarkLayout& layout, const Clip& clip,
                 const std::function<cv::Mat(const cv::Mat&)>& attack = {},
                 DetectOptions options = {}, std::span<const IssuedMark> issued = {}) {
  WatermarkDetector detector(std::make_shared<MarkLayout>(layout), options);
  for (size_t i = 0; i < clip.luma.size(); ++i) {
    cv::Mat a = attack ? attack(clip.luma[i]) : clip.luma[i];
    detector.add_frame(a.ptr<uint8_t>(), a.cols, a.rows, a.step, clip.seconds[i]);
  }
  return detector.detect(issued);
}

// `frames` synthetic 960 x 540 frames marked with `record` under test_key(key).
struct MarkedClip {
  std::shared_ptr<MarkLayout> layout;
  Clip clip;
};
MarkedClip marked_with(uint8_t key, uint64_t record, int frames) {
  auto layout = std::make_shared<MarkLayout>(test_key(key));
  MarkOptions options;
  options.record = record;
  const WatermarkStage stage(layout, options);
  return {layout, marked_clip(&stage, frames, 960, 540)};
}

TEST(WatermarkDetector, FindsThePayloadBlindAfterScalingAndCroppingAndNothingWithoutIt) {
  const auto [layout, clip] = marked_with(6, 0xfeedbeef, 16);

  const Detection clean = detect(*layout, clip);
  ASSERT_TRUE(clean.found);
  EXPECT_EQ(clean.payload.record, 0xfeedbeefu);
  EXPECT_EQ(clean.payload.epoch, 0u);
  EXPECT_NEAR(clean.tile_px, 256, 2);
  EXPECT_GT(clean.false_positive, 0);
  EXPECT_LT(clean.false_positive, 1e-9);

  // 0.6x, then 10% off the left and 4% off the top: another tile size, another offset.
  const Detection moved = detect(*layout, clip, [](const cv::Mat& y) {
    cv::Mat small;
    cv::resize(y, small, {}, 0.6, 0.6, cv::INTER_AREA);
    return cv::Mat(small, cv::Rect(small.cols / 10, small.rows / 25, small.cols * 8 / 10,
                                   small.rows * 9 / 10))
        .clone();
  });
  ASSERT_TRUE(moved.found);
  EXPECT_EQ(moved.payload.record, 0xfeedbeefu);
  EXPECT_NEAR(moved.tile_px, 256 * 0.6, 2);

  const Detection unmarked = detect(*layout, marked_clip(nullptr, 16, 960, 540));
  EXPECT_FALSE(unmarked.found);
  EXPECT_GT(unmarked.attempts, 0);
  EXPECT_GT(unmarked.false_positive, 0);
  const Detection other_key = detect(MarkLayout(test_key(7)), clip);
  EXPECT_FALSE(other_key.found);
}

// Several keys read from one excerpt (the folds made once) find what each key finds alone.
TEST(WatermarkDetector, ReadsWithSeveralKeysAsWithEachAlone) {
  const auto [layout, clip] = marked_with(6, 0xfeedbeef, 8);
  WatermarkDetector detector(layout);
  for (size_t i = 0; i < clip.luma.size(); ++i)
    detector.add_frame(clip.luma[i].ptr<uint8_t>(), clip.luma[i].cols, clip.luma[i].rows,
                       clip.luma[i].step, clip.seconds[i]);
  const Detection alone = detector.detect();
  const std::vector<std::shared_ptr<const MarkLayout>> keys = {
      std::make_shared<MarkLayout>(test_key(7)), layout};
  const std::vector<Detection> both = detector.detect_keys(keys);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_FALSE(both[0].found);
  ASSERT_TRUE(alone.found);
  ASSERT_TRUE(both[1].found);
  EXPECT_EQ(both[1].payload.record, alone.payload.record);
  EXPECT_EQ(both[1].pilot_z, alone.pilot_z);
  EXPECT_EQ(both[1].tile_px, alone.tile_px);
  EXPECT_EQ(both[1].attempts, alone.attempts);
}

// A picture turned by 1.5 degrees (and scaled 0.8x): out of register for the plain search,
// found when turns are searched, with the turn it was given.
TEST(WatermarkDetector, FindsAPictureTurnedWhenTurnsAreSearched) {
  const auto [layout, clip] = marked_with(8, 0xabc123, 8);
  auto turn = [](const cv::Mat& y) {
    cv::Mat out;
    const cv::Mat m = cv::getRotationMatrix2D({480.f, 270.f}, 1.5, 0.8);
    cv::warpAffine(y, out, m, {768, 432}, cv::INTER_AREA, cv::BORDER_REFLECT);
    return out;
  };
  EXPECT_FALSE(detect(*layout, clip, turn).found);
  DetectOptions no_step;  // a step of 0 searches no turns (and never loops)
  no_step.max_rotation = 2;
  no_step.rotation_step = 0;
  EXPECT_FALSE(detect(*layout, clip, turn, no_step).found);
  DetectOptions search;
  search.max_rotation = 1.6;
  search.rotation_step = 0.8;
  const Detection turned = detect(*layout, clip, turn, search);
  ASSERT_TRUE(turned.found);
  EXPECT_EQ(turned.payload.record, 0xabc123u);
  EXPECT_NEAR(turned.rotation, 1.5, 0.25);
  EXPECT_NEAR(turned.tile_px, 256 * 0.8, 3);
}

// Informed detection names a record the ledger holds: here across an epoch boundary (output
// frames 72-118 at 24 fps: epochs 0 and 1), after a 0.45x downscale and noise, and nothing for
// the same excerpt when the ledger lacks the record, or for footage without a mark.
TEST(WatermarkDetector, InformedDetectionNamesAnIssuedRecordAndNothingElse) {
  auto layout = std::make_shared<MarkLayout>(test_key(9));
  MarkOptions mark;
  mark.record = 0x5eed5;
  const WatermarkStage stage(layout, mark);
  const Clip clip = marked_clip(&stage, 24, 960, 540, 72);
  auto attack = [](const cv::Mat& y) {
    cv::Mat small, noise(cv::Size(432, 243), CV_8S);
    cv::resize(y, small, {432, 243}, 0, 0, cv::INTER_AREA);
    cv::randn(noise, 0, 4);
    cv::Mat out;
    cv::add(small, noise, out, cv::noArray(), CV_8U);
    return out;
  };
  std::mt19937_64 rng(4);
  std::vector<IssuedMark> decoys(200);
  for (auto& m : decoys) m = {rng() & kMaxRecord, 30};
  std::vector<IssuedMark> ledger = decoys;
  ledger.insert(ledger.begin() + 77, {0x5eed5, 3});
  DetectOptions informed_only;
  informed_only.blind = false;

  const Detection named = detect(*layout, clip, attack, informed_only, ledger);
  ASSERT_TRUE(named.found);
  EXPECT_TRUE(named.informed);
  EXPECT_EQ(named.payload.record, 0x5eed5u);
  EXPECT_LE(named.payload.epoch, 1u);
  EXPECT_EQ(named.payload.version, kMarkVersion);
  EXPECT_LE(named.false_positive, kInformedMaxFalsePositive);
  EXPECT_GT(named.hypotheses, 0);
  EXPECT_NEAR(named.tile_px, 256 * 0.45, 3);

  const Detection decoys_only = detect(*layout, clip, attack, informed_only, decoys);
  std::printf("named: data z %.1f (pilot z %.1f); decoys only: best data z %.1f\n", named.data_z,
              named.pilot_z, decoys_only.data_z);
  EXPECT_FALSE(decoys_only.found);
  EXPECT_GT(decoys_only.hypotheses, 0);
  EXPECT_GT(decoys_only.false_positive, kInformedMaxFalsePositive);
  const Detection unmarked =
      detect(*layout, marked_clip(nullptr, 24, 960, 540, 72), attack, informed_only, ledger);
  EXPECT_FALSE(unmarked.found);
  EXPECT_FALSE(detect(MarkLayout(test_key(10)), clip, attack, informed_only, ledger).found);
}

// The scores' tail under no mark: soft bits of pure noise against 600,000 hypotheses exceed
// z 3 and 4 about as often as a unit normal does (the false-positive figure assumes no heavier
// tail), and name nothing; soft bits that carry a record's code name that record and epoch, also
// when the excerpt is split between two epochs.
TEST(WatermarkInformed, ScoresFollowTheNullTailAndNameTheCodeCarried) {
  const MarkLayout layout(test_key(11));
  std::mt19937_64 rng(12);
  std::vector<IssuedMark> ledger(500);
  for (auto& m : ledger) m = {rng() & kMaxRecord, 300};
  std::normal_distribution<float> noise(0.f, 1.f);
  auto noise_chunks = [&](int n) {
    auto chunks = std::vector<std::vector<float>>(size_t(n), std::vector<float>(kCodedBits));
    for (auto& c : chunks)
      for (auto& v : c) v = noise(rng);
    return chunks;
  };
  // 4 chunks of noise: each record's 300 epochs whole, and 299 x 3 splits.
  IssuedCodes null_codes(layout, ledger);
  InformedTally null;
  const auto pure_noise = noise_chunks(4);
  for (int salt = 0; salt < kSalts; ++salt) null_codes.score(pure_noise, salt, null);
  EXPECT_EQ(null.hypotheses, 500 * (300 + 299 * 3));
  std::printf("null: %lld hypotheses, %lld above z 3, %lld above 4, best %.2f\n",
              (long long)null.hypotheses, (long long)null.over3, (long long)null.over4,
              null.best_z);
  // A unit normal: 808 above 3 and 19 above 4 (the splits share their noise, so the counts
  // spread wider than Poisson).
  EXPECT_GT(null.over3, 550);
  EXPECT_LT(null.over3, 1100);
  EXPECT_LT(null.over4, 60);
  EXPECT_LT(null.best_z, 5.8);
  EXPECT_GT(null.false_positive(), kInformedMaxFalsePositive);

  const IssuedMark sent = ledger[123];
  auto coded = [&](uint32_t epoch) {
    WatermarkPayload p;
    p.record = sent.record;
    p.epoch = epoch;
    const auto bits = encode_payload(layout.scramble(p.pack()), layout.key());
    std::vector<float> out(bits.size());
    for (size_t i = 0; i < bits.size(); ++i) out[i] = bits[i] ? 1.f : -1.f;
    return out;
  };
  // 12 chunks: 4 in epoch 41, 8 in epoch 42, each at a per-bit z of 0.12 (z 0.4 per bit over
  // the excerpt: far below what a blind decode needs).
  std::vector<std::vector<float>> chunks = noise_chunks(12);
  const auto e41 = coded(41), e42 = coded(42);
  for (size_t j = 0; j < chunks.size(); ++j)
    for (size_t i = 0; i < size_t(kCodedBits); ++i)
      chunks[j][i] += 0.4f * (j < 4 ? e41[i] : e42[i]);
  IssuedCodes codes(layout, ledger);
  InformedTally tally;
  for (int salt = 0; salt < kSalts; ++salt) codes.score(chunks, salt, tally);
  EXPECT_EQ(tally.best.record, sent.record);
  EXPECT_EQ(tally.best.epoch, 42u);
  EXPECT_EQ(tally.salt, layout.salt_for(sent.record));
  EXPECT_LE(tally.false_positive(), kInformedMaxFalsePositive);
  EXPECT_GT(tally.best_z, 8.5);  // 0.4 x sqrt(12 x 306) / sqrt(1 + 0.16) = 22.5 expected
}

}  // namespace
}  // namespace fl::provenance
