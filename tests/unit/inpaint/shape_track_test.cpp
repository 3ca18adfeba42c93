#include "inpaint/shape_track.h"

#include <gtest/gtest.h>

#include <numeric>

namespace fl::inpaint {
namespace {

double area(const std::vector<float>& m) { return std::accumulate(m.begin(), m.end(), 0.0); }

TEST(ShapeTrack, OneShapeHoldsForEveryFrame) {
  auto t = ShapeTrack::parse("rect 10 20 30 40");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->at(0).numbers, (std::vector<double>{10, 20, 30, 40}));
  EXPECT_EQ(t->at(500).numbers, (std::vector<double>{10, 20, 30, 40}));
}

TEST(ShapeTrack, KeyframesMoveLinearlyAndHoldAtTheEnds) {
  auto t = ShapeTrack::parse("10: rect 0 0 10 10; 20: rect 100 50 30 10");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->at(0).numbers, (std::vector<double>{0, 0, 10, 10}));
  EXPECT_EQ(t->at(15).numbers, (std::vector<double>{50, 25, 20, 10}));
  EXPECT_EQ(t->at(99).numbers, (std::vector<double>{100, 50, 30, 10}));
}

TEST(ShapeTrack, DifferentShapesAreHeldNotBlended) {
  auto t = ShapeTrack::parse("0: rect 0 0 10 10; 10: poly 0 0 10 0 10 10");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->at(5).kind, ShapeKind::kRect);
  EXPECT_EQ(t->at(10).kind, ShapeKind::kPolygon);
}

TEST(ShapeTrack, ErrorsNameTheKeyAndTheProblem) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "the shape is empty"},
      {"square 1 2 3 4", "unknown shape 'square'"},
      {"rect 1 2 3", "rect needs 4 numbers, got 3"},
      {"rect 1 2 x 4", "'x' is not a number"},
      {"rect 1 2 -3 4", "sizes must not be negative"},
      {"poly 0 0 1 1", "poly needs at least three x y points"},
      {"0: rect 1 2 3 4; 0: rect 1 2 3 4", "key 2: frames must rise"},
      {"0: rect 1 2 3 4; x: rect 1 2 3 4", "key 2: 'x' is not a frame number"},
      {"0: rect 1 2 3 4; rect 1 2 3 4", "key 2: expected FRAME: SHAPE"},
      {"0: rect nan 2 3 4", "'nan' is not a number"},
  };
  for (const auto& c : cases) {
    auto t = ShapeTrack::parse(c.text);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_NE(t.status().message().find(c.message), std::string::npos)
        << c.text << " -> " << t.status().message();
  }
}

TEST(Rasterise, CoversTheShapesAreaAtEachScale) {
  const Shape rect{ShapeKind::kRect, {10, 10, 40, 20}};
  EXPECT_NEAR(area(rasterise(rect, 100, 100, {})), 800, 40);
  RasterOptions half;
  half.scale = 0.5;
  EXPECT_NEAR(area(rasterise(rect, 50, 50, half)), 200, 20);
  const Shape ellipse{ShapeKind::kEllipse, {50, 50, 20, 10}};
  EXPECT_NEAR(area(rasterise(ellipse, 100, 100, {})), 3.14159 * 200, 30);
  const Shape tri{ShapeKind::kPolygon, {0, 0, 60, 0, 0, 60}};
  // Polygon edges cover the pixels they cross (conservative, as a removal mask should be).
  const double covered = area(rasterise(tri, 100, 100, {}));
  EXPECT_GE(covered, 1800);
  EXPECT_LE(covered, 1800 + 0.5 * (60 + 60 + 85));
}

TEST(Rasterise, DilateGrowsFeatherSoftensInvertFlips) {
  const Shape rect{ShapeKind::kRect, {30, 30, 40, 40}};
  const auto plain = rasterise(rect, 100, 100, {});
  RasterOptions o;
  o.dilate = 5;
  const auto grown = rasterise(rect, 100, 100, o);
  EXPECT_NEAR(area(grown), 50.0 * 50.0, 120);
  o = {};
  o.feather = 8;
  const auto soft = rasterise(rect, 100, 100, o);
  EXPECT_NEAR(area(soft), area(plain), 40);  // a feather moves coverage, it does not add any
  const float edge = soft[size_t(50) * 100 + 30];
  EXPECT_GT(edge, 0.3f);
  EXPECT_LT(edge, 0.7f);
  o = {};
  o.invert = true;
  EXPECT_NEAR(area(rasterise(rect, 100, 100, o)), 10000 - area(plain), 1);
}

}  // namespace
}  // namespace fl::inpaint
