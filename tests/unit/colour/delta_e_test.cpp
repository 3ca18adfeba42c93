#include "colour/delta_e.h"

#include <gtest/gtest.h>

namespace fl::colour {
namespace {

// Sharma, Wu, Dalal (2005), Table 1: pairs chosen to exercise every term of the formula.
struct SharmaPair {
  Lab a, b;
  double expected;
};
constexpr SharmaPair kSharma[] = {
    {{50.0000, 2.6772, -79.7751}, {50.0000, 0.0000, -82.7485}, 2.0425},
    {{50.0000, 3.1571, -77.2803}, {50.0000, 0.0000, -82.7485}, 2.8615},
    {{50.0000, 0.0000, 0.0000}, {50.0000, -1.0000, 2.0000}, 2.3669},
    {{50.0000, 2.4900, -0.0010}, {50.0000, -2.4900, 0.0009}, 7.1792},
    {{50.0000, 2.5000, 0.0000}, {73.0000, 25.0000, -18.0000}, 27.1492},
    {{50.0000, 2.5000, 0.0000}, {50.0000, 3.2592, 0.3350}, 1.0000},
    {{60.2574, -34.0099, 36.2677}, {60.4626, -34.1751, 39.4387}, 1.2644},
    {{63.0109, -31.0961, -5.8663}, {62.8187, -29.7946, -4.0864}, 1.2630},
    {{22.7233, 20.0904, -46.6940}, {23.0331, 14.9730, -42.5619}, 2.0373},
    {{90.9257, -0.5406, -0.9208}, {88.6381, -0.8985, -0.7239}, 1.5381},
    {{2.0776, 0.0795, -1.1350}, {0.9033, -0.0636, -0.5514}, 0.9082},
};

TEST(DeltaE, MatchesSharmaTestData) {
  for (const auto& p : kSharma) {
    EXPECT_NEAR(ciede2000(p.a, p.b), p.expected, 1e-4);
    EXPECT_NEAR(ciede2000(p.b, p.a), p.expected, 1e-4);  // symmetric
  }
}

TEST(DeltaE, LabOfWhiteGreyAndPrimaries) {
  Lab white = lab_from_linear_rec709(1, 1, 1);
  EXPECT_NEAR(white[0], 100.0, 1e-3);
  EXPECT_NEAR(white[1], 0.0, 1e-2);
  EXPECT_NEAR(white[2], 0.0, 1e-2);
  Lab mid = lab_from_linear_rec709(0.18, 0.18, 0.18);
  EXPECT_NEAR(mid[0], 49.5, 0.1);             // 18% grey is L* 49.5
  Lab red = lab_from_linear_rec709(1, 0, 0);  // sRGB red: L 53.24, a 80.09, b 67.20
  EXPECT_NEAR(red[0], 53.24, 0.05);
  EXPECT_NEAR(red[1], 80.09, 0.1);
  EXPECT_NEAR(red[2], 67.20, 0.1);
}

TEST(DeltaE, FrameStatistics) {
  Image a(8, 8), b(8, 8);
  a.fill(0.2f, 0.3f, 0.4f, 1.f);
  b.fill(0.2f, 0.3f, 0.4f, 1.f);
  auto same = delta_e2000(a, b);
  EXPECT_EQ(same.pixels, 64u);
  EXPECT_DOUBLE_EQ(same.mean, 0.0);
  b.at(3, 3)[0] = 0.25f;
  auto one = delta_e2000(a, b);
  EXPECT_GT(one.max, 1.0);
  EXPECT_NEAR(one.mean, one.max / 64.0, 1e-9);
}

}  // namespace
}  // namespace fl::colour
