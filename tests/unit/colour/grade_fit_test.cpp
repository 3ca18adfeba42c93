#include "colour/grade_fit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <random>

#include "colour/delta_e.h"

namespace fl::colour {
namespace {

using Rgb = std::array<float, 3>;

// A grade a colourist might apply, in code values: lifted blacks, a luma-only gamma (not
// separable per channel), a warm white balance and less saturation.
Rgb strong_grade(const Rgb& in) {
  Rgb o;
  for (int c = 0; c < 3; ++c) o[size_t(c)] = 0.06f + 0.9f * in[size_t(c)];
  const float gains[3] = {1.06f, 1.0f, 0.88f};
  for (int c = 0; c < 3; ++c) o[size_t(c)] *= gains[c];
  const float y = 0.2126f * o[0] + 0.7152f * o[1] + 0.0722f * o[2];
  const float y2 = std::pow(std::max(y, 0.f), 0.8f);
  for (int c = 0; c < 3; ++c) o[size_t(c)] = y2 + 0.7f * (o[size_t(c)] - y);
  return o;
}

std::vector<Rgb> natural_colours(int count) {
  // Smooth, correlated channels like real footage: mostly near-neutral, some saturated.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> chroma(0, 0.12f);
  std::vector<Rgb> out;
  for (int i = 0; i < count; ++i) {
    const float l = u(rng);
    Rgb c{l + chroma(rng), l + chroma(rng), l + chroma(rng)};
    for (float& v : c) v = std::clamp(v, 0.f, 1.f);
    out.push_back(c);
  }
  return out;
}

TEST(GradeFit, RecoversAStrongNonSeparableGrade) {
  std::vector<ColourSample> pairs;
  std::vector<Rgb> colours = natural_colours(200000);
  for (const auto& c : colours) {
    Rgb g = strong_grade(c);
    pairs.push_back({g, c});  // graded -> original: the fit undoes the grade
  }
  GradeFitOptions opt;
  auto fit = fit_grade(pairs, opt);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  // On held-out colours, the recovered original is within a fraction of a just-noticeable
  // difference.
  std::vector<Rgb> test = natural_colours(2000);
  std::vector<std::array<float, 3>> got, want;
  for (const auto& c : test) {
    Rgb g = strong_grade(c);
    float px[4] = {g[0], g[1], g[2], 1};
    apply_lut3d(fit->lut, Interp::kTetrahedral, px, 1);
    got.push_back({px[0], px[1], px[2]});
    want.push_back(c);
  }
  const double de = mean_delta_e_code_values(got, want, {}, Transfer::kBt709);
  EXPECT_LT(de, 0.5);
  EXPECT_LT(fit->fit_delta_e, 0.5);
  // A CDL cannot say a luma-only gamma: it is further away, and the report says how far.
  EXPECT_GT(fit->cdl_delta_e, fit->fit_delta_e);
}

TEST(GradeFit, CdlGradeIsFoundAsThatCdl) {
  Cdl truth;
  truth.slope = {1.1, 0.95, 0.9};
  truth.offset = {0.02, 0.0, -0.01};
  truth.power = {0.9, 1.0, 1.1};
  truth.saturation = 0.8;
  std::vector<ColourSample> pairs;
  for (const auto& c : natural_colours(100000)) {
    float px[4] = {c[0], c[1], c[2], 1};
    apply_cdl(truth, px, 1);
    pairs.push_back({c, {px[0], px[1], px[2]}});
  }
  auto fit = fit_grade(pairs);
  ASSERT_TRUE(fit.ok());
  EXPECT_LT(fit->cdl_delta_e, 0.2);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(fit->cdl.slope[size_t(c)], truth.slope[size_t(c)], 0.03);
    EXPECT_NEAR(fit->cdl.offset[size_t(c)], truth.offset[size_t(c)], 0.02);
    EXPECT_NEAR(fit->cdl.power[size_t(c)], truth.power[size_t(c)], 0.05);
  }
  EXPECT_NEAR(fit->cdl.saturation, truth.saturation, 0.03);
}

TEST(GradeFit, OutliersDoNotPullTheFit) {
  // 20% of the pairs do not correspond (a subject that moved): robust weights ignore them.
  std::vector<ColourSample> pairs;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0, 1);
  for (const auto& c : natural_colours(100000)) {
    Rgb g = strong_grade(c);
    if (u(rng) < 0.2f) {
      Rgb junk{u(rng), u(rng), u(rng)};
      pairs.push_back({g, junk});
    } else {
      pairs.push_back({g, c});
    }
  }
  auto fit = fit_grade(pairs);
  ASSERT_TRUE(fit.ok());
  std::vector<std::array<float, 3>> got, want;
  for (const auto& c : natural_colours(2000)) {
    Rgb g = strong_grade(c);
    float px[4] = {g[0], g[1], g[2], 1};
    apply_lut3d(fit->lut, Interp::kTetrahedral, px, 1);
    got.push_back({px[0], px[1], px[2]});
    want.push_back(c);
  }
  EXPECT_LT(mean_delta_e_code_values(got, want, {}, Transfer::kBt709), 2.0);
}

TEST(GradeFit, OutputCurvesUndoACurveThenAChannelMix) {
  // Graded by an S-curve per channel and then a channel mix: undoing it means un-mixing first
  // and un-curving after, which input curves and a matrix alone cannot say.
  auto grade = [](const Rgb& in) {
    Rgb c;
    for (int k = 0; k < 3; ++k) {
      const float x = in[size_t(k)];
      c[size_t(k)] = x - 0.08f * std::sin(6.2831853f * x);  // more contrast, ends fixed
    }
    return Rgb{0.8f * c[0] + 0.2f * c[1], 0.1f * c[0] + 0.9f * c[1], 0.15f * c[1] + 0.85f * c[2]};
  };
  std::vector<ColourSample> pairs;
  for (const auto& c : natural_colours(100000)) pairs.push_back({grade(c), c});
  auto recovered = [&](int output_knots) {
    GradeFitOptions opt;
    opt.lattice = false;
    opt.curve_knots = 17;
    opt.curve_smoothness = 1e-8;
    opt.output_curve_knots = output_knots;
    opt.output_curve_smoothness = 1e-8;
    opt.robust_iterations = 0;  // clean pairs
    auto fit = fit_grade(pairs, opt);
    EXPECT_TRUE(fit.ok());
    std::vector<std::array<float, 3>> got, want;
    for (const auto& c : natural_colours(2000)) {
      const Rgb g = grade(c);
      float px[4] = {g[0], g[1], g[2], 1};
      apply_lut3d(fit->lut, Interp::kTetrahedral, px, 1);
      got.push_back({px[0], px[1], px[2]});
      want.push_back(c);
    }
    return mean_delta_e_code_values(got, want, {}, Transfer::kBt709);
  };
  const double without = recovered(0), with = recovered(17);
  std::cout << "curve then mix, undone: input curves + matrix " << without << ", + output curves "
            << with << "\n";
  EXPECT_LT(with, 0.5 * without);
  EXPECT_LT(with, 0.3);
}

TEST(GradeFit, TooFewSamplesIsAnError) {
  std::vector<ColourSample> pairs(100, {{0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f}});
  auto fit = fit_grade(pairs);
  ASSERT_FALSE(fit.ok());
  EXPECT_NE(fit.status().message().find("too few"), std::string::npos);
}

}  // namespace
}  // namespace fl::colour
