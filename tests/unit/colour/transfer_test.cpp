#include <gtest/gtest.h>

#include <cmath>

#include "colour/transfer.h"

namespace fl::colour {
namespace {

double srgb_to_linear(double v) {
  return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}

TEST(Transfer, SrgbTableMatchesFormula) {
  const auto& c = TransferCurve::get(Transfer::kSrgb);
  for (int v : {0, 1, 100, 2650, 30000, 65535}) {
    EXPECT_NEAR(c.u16_to_linear(uint16_t(v)), srgb_to_linear(v / 65535.0), 2e-6) << v;
  }
  for (double x : {0.0, 0.001, 0.01, 0.2, 0.5, 0.9, 1.0}) {
    EXPECT_NEAR(c.to_linear(float(x)), srgb_to_linear(x), 2e-5) << x;
  }
}

TEST(Transfer, RoundTripWithin16BitPrecision) {
  for (Transfer t : {Transfer::kSrgb, Transfer::kBt709, Transfer::kGamma22, Transfer::kGamma24}) {
    const auto& c = TransferCurve::get(t);
    double worst = 0;
    for (int v = 0; v <= 65535; v += 7) {
      float lin = c.u16_to_linear(uint16_t(v));
      worst = std::max(worst, std::fabs(c.to_encoded(lin) * 65535.0 - v));
    }
    EXPECT_LT(worst, 1.0) << transfer_name(t);
  }
}

TEST(Transfer, ParsesNamesAndDefaults) {
  EXPECT_EQ(*parse_transfer("bt709"), Transfer::kBt709);
  EXPECT_EQ(*parse_transfer("iec61966-2-1"), Transfer::kSrgb);
  EXPECT_FALSE(parse_transfer("pq-ish").ok());
  EXPECT_EQ(transfer_for_media("unknown", true, true), Transfer::kLinear);
  EXPECT_EQ(transfer_for_media("", false, true), Transfer::kSrgb);
  EXPECT_EQ(transfer_for_media("unknown", false, false), Transfer::kBt709);
}

TEST(Transfer, LinearIsIdentityAndHdrPassesThrough) {
  const auto& c = TransferCurve::get(Transfer::kLinear);
  EXPECT_FLOAT_EQ(c.to_encoded(3.5f), 3.5f);
  const auto& s = TransferCurve::get(Transfer::kSrgb);
  EXPECT_GT(s.to_encoded(4.0f), 1.0f);  // values above white stay above white
}

}  // namespace
}  // namespace fl::colour
