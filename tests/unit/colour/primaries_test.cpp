// Primaries conversions against published matrices and OCIO's own built-in transforms.
#include <gtest/gtest.h>

#include <OpenColorIO/OpenColorIO.h>

#include "colour/primaries.h"

namespace fl::colour {
namespace {

namespace OCIO = OCIO_NAMESPACE;

void expect_matrix_near(const Matrix3& got, const Matrix3& want, double tol) {
  for (size_t i = 0; i < 9; ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

// What OCIO's built-in transform `style` does to the three unit vectors, as a matrix.
Matrix3 ocio_builtin_matrix(const char* style) {
  auto bt = OCIO::BuiltinTransform::Create();
  bt->setStyle(style);
  auto config = OCIO::Config::CreateRaw();
  auto cpu = config->getProcessor(bt)->getDefaultCPUProcessor();
  Matrix3 m{};
  for (int c = 0; c < 3; ++c) {
    float px[3] = {0, 0, 0};
    px[c] = 1.0f;
    cpu->applyRGB(px);
    for (int r = 0; r < 3; ++r) m[size_t(3 * r + c)] = px[r];
  }
  return m;
}

TEST(Primaries, Rec709ToRec2020MatchesBt2087) {
  // ITU-R BT.2087-0, equation (4).
  expect_matrix_near(primaries_conversion(Primaries::kRec709, Primaries::kRec2020),
                     {0.6274, 0.3293, 0.0433, 0.0691, 0.9195, 0.0114, 0.0164, 0.0880, 0.8956},
                     1e-4);
}

TEST(Primaries, AcesMatricesMatchOcioBuiltins) {
  expect_matrix_near(primaries_conversion(Primaries::kAcesAp1, Primaries::kRec709),
                     ocio_builtin_matrix("UTILITY - ACES-AP1_to_LINEAR-REC709_BFD"), 2e-5);
  expect_matrix_near(primaries_conversion(Primaries::kAcesAp1, Primaries::kAcesAp0),
                     ocio_builtin_matrix("ACEScg_to_ACES2065-1"), 2e-5);
}

TEST(Primaries, RoundTripsAndWhiteStaysWhite) {
  const Primaries all[] = {Primaries::kRec709,    Primaries::kRec2020,  Primaries::kP3D65,
                           Primaries::kP3Dci,     Primaries::kAcesAp0,  Primaries::kAcesAp1,
                           Primaries::kBt601_625, Primaries::kBt601_525};
  for (Primaries a : all)
    for (Primaries b : all) {
      SCOPED_TRACE(std::string(primaries_name(a)) + " -> " + primaries_name(b));
      const Matrix3 m = primaries_conversion(a, b);
      // Adapted white maps to white: each row sums to 1.
      for (int r = 0; r < 3; ++r) EXPECT_NEAR(m[3 * r] + m[3 * r + 1] + m[3 * r + 2], 1.0, 1e-9);
      const Matrix3 back = primaries_conversion(b, a);
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) {
          double v = 0;
          for (int k = 0; k < 3; ++k) v += back[size_t(3 * r + k)] * m[size_t(3 * k + c)];
          EXPECT_NEAR(v, r == c ? 1.0 : 0.0, 1e-9);
        }
    }
}

TEST(Primaries, NamesAndFfmpegTags) {
  EXPECT_EQ(*parse_primaries("bt2020"), Primaries::kRec2020);
  EXPECT_EQ(*parse_primaries("smpte432"), Primaries::kP3D65);
  EXPECT_EQ(*parse_primaries("acescg"), Primaries::kAcesAp1);
  EXPECT_EQ(primaries_from_tag("unknown"), Primaries::kRec709);
  EXPECT_EQ(primaries_from_tag("bt470bg"), Primaries::kBt601_625);
  auto bad = parse_primaries("rec2021");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("rec2020"), std::string::npos) << bad.status().message();
  for (const char* n : {"rec709", "rec2020", "p3d65", "p3dci", "aces", "acescg"})
    EXPECT_STREQ(primaries_name(*parse_primaries(n)), n);
}

}  // namespace
}  // namespace fl::colour
