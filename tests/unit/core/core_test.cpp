#include <gtest/gtest.h>

#include "core/hash.h"
#include "framelock/image.h"
#include "framelock/status.h"

namespace fl {
namespace {

TEST(Status, CarriesCodeMessageAndField) {
  Status s = invalid_argument("slope must be >= 0", "nodes.grade.params.slope");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.with_context("node 'grade': ").message(), "node 'grade': slope must be >= 0");
  EXPECT_EQ(s.field(), "nodes.grade.params.slope");
  EXPECT_TRUE(ok_status().ok());
}

Result<int> half(int v) {
  if (v % 2) return invalid_argument("odd");
  return v / 2;
}
Status quarter(int v, int* out) {
  FL_ASSIGN_OR_RETURN(int h, half(v));
  FL_ASSIGN_OR_RETURN(*out, half(h));
  return ok_status();
}

TEST(Result, PropagatesErrors) {
  int out = 0;
  EXPECT_TRUE(quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  EXPECT_EQ(quarter(6, &out).message(), "odd");
}

TEST(Rect, IntersectUniteContain) {
  Rect a{0, 0, 10, 10}, b{5, 5, 10, 10};
  EXPECT_EQ(a.intersect(b), (Rect{5, 5, 5, 5}));
  EXPECT_EQ(a.unite(b), (Rect{0, 0, 15, 15}));
  EXPECT_TRUE(a.contains(Rect{2, 2, 3, 3}));
  EXPECT_TRUE(a.intersect(Rect{20, 20, 1, 1}).empty());
}

TEST(Image, CropClampedReplicatesEdges) {
  Image img(Rect{0, 0, 2, 1});
  img.at(0, 0)[0] = 1, img.at(1, 0)[0] = 2;
  Image c = img.crop_clamped(Rect{-1, -1, 4, 3});
  EXPECT_EQ(c.at(-1, -1)[0], 1);
  EXPECT_EQ(c.at(0, 0)[0], 1);
  EXPECT_EQ(c.at(1, 1)[0], 2);
  EXPECT_EQ(c.at(2, 0)[0], 2);
}

TEST(Hash, StableAndFieldSeparated) {
  EXPECT_EQ(Hasher().add("ab").add("c").finish(), Hasher().add("ab").add("c").finish());
  EXPECT_NE(Hasher().add("ab").add("c").finish(), Hasher().add("a").add("bc").finish());
  EXPECT_EQ(hash_bytes("").hex(), hash_bytes("").hex());
  EXPECT_EQ(hash_bytes("abc").hex().size(), 64u);
}

}  // namespace
}  // namespace fl
