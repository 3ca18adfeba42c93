#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "colour/lut.h"
#include "colour/lut_rgb48.h"
#include "grade_fixture.h"

namespace fl::colour {
namespace {

// Every 16-bit value on every channel, in three different orders, so all cells, all
// tetrahedra and both ends of the range are visited.
std::vector<uint16_t> full_range_rgb48() {
  std::vector<uint16_t> px(65536 * 3);
  for (uint32_t i = 0; i < 65536; ++i) {
    px[3 * i] = uint16_t(i);
    px[3 * i + 1] = uint16_t(i * 40503u + 17);
    px[3 * i + 2] = uint16_t(65535u - i * 12345u);
  }
  return px;
}

std::vector<float> to_rgba(const std::vector<uint16_t>& rgb) {
  std::vector<float> f(rgb.size() / 3 * 4);
  for (size_t i = 0; i < rgb.size() / 3; ++i) {
    for (int c = 0; c < 3; ++c)
      f[4 * i + size_t(c)] = float(rgb[3 * i + size_t(c)]) * (1.0f / 65535.0f);
    f[4 * i + 3] = 0.5f;
  }
  return f;
}

TEST(Lut, IdentityLutsAreIdentity) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> px(4 * 1000);
  for (float& v : px) v = u(rng);
  for (int size : {2, 17, 33}) {
    Lut3D lut = identity_lut3d(size);
    EXPECT_TRUE(is_identity(lut));
    for (Interp interp : {Interp::kTetrahedral, Interp::kTrilinear}) {
      auto out = px;
      apply_lut3d(lut, interp, out.data(), 1000);
      for (size_t i = 0; i < px.size(); ++i) ASSERT_NEAR(out[i], px[i], 2e-6) << size << " " << i;
    }
    auto out = px;
    apply_lut1d(identity_lut1d(size), out.data(), 1000);
    for (size_t i = 0; i < px.size(); ++i) ASSERT_NEAR(out[i], px[i], 2e-6);
  }
  Lut3D graded = fixture::strong_grade_lut(5);
  EXPECT_FALSE(is_identity(graded));
  EXPECT_TRUE(is_identity(identity_lut3d(9), 0.0f));
}

TEST(Lut, Rgb48IdentityIsExact) {
  auto in = full_range_rgb48();
  auto prepared = prepare_lut3d(identity_lut3d(33));
  ASSERT_TRUE(prepared.ok());
  std::vector<uint16_t> out(in.size());
  apply_lut3d_rgb48(*prepared, in.data(), out.data(), 65536);
  EXPECT_EQ(out, in);
}

TEST(Lut, ExactAtLatticePoints) {
  Lut3D lut = fixture::strong_grade_lut(5);
  for (int b = 0; b < 5; ++b) {
    for (int r = 0; r < 5; ++r) {
      float px[4] = {r / 4.0f, 0.5f, b / 4.0f, 1.0f};
      apply_lut3d(lut, Interp::kTetrahedral, px, 1);
      size_t at = 3 * size_t((b * 5 + 2) * 5 + r);
      EXPECT_NEAR(px[0], lut.rgb[at], 1e-6);
      EXPECT_NEAR(px[1], lut.rgb[at + 1], 1e-6);
      EXPECT_NEAR(px[2], lut.rgb[at + 2], 1e-6);
      EXPECT_EQ(px[3], 1.0f);
    }
  }
}

TEST(Lut, ClampsInputToDomainAndSanitisesNan) {
  Lut3D lut = fixture::strong_grade_lut(9);
  float edge[8] = {0, 0, 0, 1, 1, 1, 1, 1};
  apply_lut3d(lut, Interp::kTetrahedral, edge, 2);
  float outside[8] = {-5, NAN, -INFINITY, 1, 7, INFINITY, 1e30f, 1};
  apply_lut3d(lut, Interp::kTetrahedral, outside, 2);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(outside[i], edge[i]) << i;
}

TEST(Lut, DomainMapsInputs) {
  // Identity over [-1, 3] on every channel: output is the normalised input.
  Lut3D lut = identity_lut3d(5);
  lut.domain_min = {-1, -1, -1};
  lut.domain_max = {3, 3, 3};
  float px[4] = {-1.0f, 1.0f, 2.0f, 0.25f};
  apply_lut3d(lut, Interp::kTrilinear, px, 1);
  EXPECT_NEAR(px[0], 0.0f, 1e-6);
  EXPECT_NEAR(px[1], 0.5f, 1e-6);
  EXPECT_NEAR(px[2], 0.75f, 1e-6);
  EXPECT_EQ(px[3], 0.25f);
}

TEST(Lut, TetrahedralAndTrilinearAgreeOnLinearLuts) {
  // Any affine map is reproduced exactly by both interpolations; they differ only on curvature.
  Lut3D lut = identity_lut3d(7);
  for (size_t i = 0; i < lut.rgb.size(); i += 3) {
    float r = lut.rgb[i], g = lut.rgb[i + 1], b = lut.rgb[i + 2];
    lut.rgb[i] = 0.5f * r + 0.3f * g + 0.1f;
    lut.rgb[i + 1] = 0.2f * g + 0.7f * b;
    lut.rgb[i + 2] = 1.0f - b;
  }
  std::vector<float> a(4 * 500), t;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (float& v : a) v = u(rng);
  t = a;
  auto expect = a;
  apply_lut3d(lut, Interp::kTetrahedral, a.data(), 500);
  apply_lut3d(lut, Interp::kTrilinear, t.data(), 500);
  for (size_t i = 0; i < 500; ++i) {
    const float* e = &expect[4 * i];
    EXPECT_NEAR(a[4 * i], 0.5f * e[0] + 0.3f * e[1] + 0.1f, 1e-5);
    EXPECT_NEAR(t[4 * i + 1], 0.2f * e[1] + 0.7f * e[2], 1e-5);
    EXPECT_NEAR(a[4 * i + 2], t[4 * i + 2], 1e-5);
  }
}

TEST(Lut, FloatAndRgb48KernelsAgree) {
  auto in = full_range_rgb48();
  Lut3D lut = fixture::strong_grade_lut(33);
  for (Interp interp : {Interp::kTetrahedral, Interp::kTrilinear}) {
    auto prepared = prepare_lut3d(lut, interp);
    ASSERT_TRUE(prepared.ok());
    std::vector<uint16_t> out(in.size());
    apply_lut3d_rgb48(*prepared, in.data(), out.data(), 65536);
    auto f = to_rgba(in);
    apply_lut3d(lut, interp, f.data(), 65536);
    double worst = 0;  // in code values; rounding alone accounts for 0.5
    for (size_t i = 0; i < 65536; ++i) {
      for (size_t c = 0; c < 3; ++c) {
        double v = std::clamp(f[4 * i + c], 0.0f, 1.0f) * 65535.0;
        worst = std::max(worst, std::fabs(v - out[3 * i + c]));
      }
      ASSERT_EQ(f[4 * i + 3], 0.5f);
    }
    EXPECT_LE(worst, 0.52) << "interp " << int(interp);
  }
}

TEST(Lut, Rgb48ScalarAndAvx2Agree) {
  auto in = full_range_rgb48();
  for (Interp interp : {Interp::kTetrahedral, Interp::kTrilinear}) {
    auto prepared = prepare_lut3d(fixture::strong_grade_lut(33), interp);
    ASSERT_TRUE(prepared.ok());
    std::vector<uint16_t> scalar(in.size()), simd(in.size());
    detail::apply_lut3d_rgb48_scalar(*prepared, in.data(), scalar.data(), 65536);
    if (!detail::apply_lut3d_rgb48_avx2(*prepared, in.data(), simd.data(), 65536)) {
      GTEST_SKIP() << "CPU has no AVX2+FMA";
    }
    int worst = 0;
    for (size_t i = 0; i < in.size(); ++i)
      worst = std::max(worst, std::abs(int(scalar[i]) - int(simd[i])));
    EXPECT_LE(worst, 1);  // FMA vs separate multiply-add, and round-half-even vs half-up
  }
}

TEST(Lut, Rgb48InPlaceMatchesOutOfPlace) {
  auto in = full_range_rgb48();
  auto prepared = prepare_lut3d(fixture::strong_grade_lut(17));
  ASSERT_TRUE(prepared.ok());
  std::vector<uint16_t> out(in.size());
  apply_lut3d_rgb48(*prepared, in.data(), out.data(), 65536);
  apply_lut3d_rgb48(*prepared, in.data(), in.data(), 65536);
  EXPECT_EQ(in, out);
  // An odd pixel count ending exactly at the end of the buffer (no over-write past it).
  std::vector<uint16_t> tail(3 * 5, 30000), tail_out(3 * 5);
  apply_lut3d_rgb48(*prepared, tail.data(), tail_out.data(), 5);
  for (int i = 3; i < 15; ++i) EXPECT_EQ(tail_out[size_t(i)], tail_out[size_t(i % 3)]);
}

TEST(Lut, PrepareRejectsInvalidLuts) {
  Lut3D bad = identity_lut3d(3);
  bad.rgb[4] = NAN;
  EXPECT_EQ(prepare_lut3d(bad).status().code(), ErrorCode::kInvalidArgument);
  bad = identity_lut3d(3);
  bad.domain_max[2] = 0;
  EXPECT_EQ(prepare_lut3d(bad).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(prepare_lut3d(Lut3D{}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(validate_lut(Lut1D{}).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace fl::colour
