#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "colour/cube_file.h"
#include "grade_fixture.h"
#include "test_support.h"

namespace fl::colour {
namespace {

std::string identity_cube_text(int n) {
  std::string s;
  for (int b = 0; b < n; ++b)
    for (int g = 0; g < n; ++g)
      for (int r = 0; r < n; ++r)
        s += std::to_string(r / double(n - 1)) + " " + std::to_string(g / double(n - 1)) + " " +
             std::to_string(b / double(n - 1)) + "\n";
  return s;
}

// Expects corrupt_data whose message is exactly "name:line: ..." and mentions `needle`.
void expect_error(std::string_view text, int line, const std::string& needle) {
  auto r = parse_cube(text, "t.cube");
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptData);
  const std::string& m = r.status().message();
  EXPECT_EQ(m.rfind("t.cube:" + std::to_string(line) + ": ", 0), 0u) << m;
  EXPECT_NE(m.find(needle), std::string::npos) << m;
}

TEST(CubeParse, Iridas3DWithTitleCommentsAndDomain) {
  std::string text =
      "# Created by a test\r\n"
      "TITLE \"Film # look\"\r\n"
      "\r\n"
      "LUT_3D_SIZE 2\r\n"
      "DOMAIN_MIN 0 0 0\r\n"
      "DOMAIN_MAX 1 2 4\r\n"
      "0 0 0\r\n1 0 0\r\n0 1 0\r\n1 1 0\r\n"
      "# a comment in the data\r\n"
      "0 0 1\r\n1 0 1\r\n0 1 1\r\n+1.0 1E0 1   # trailing comment\r\n";
  auto r = parse_cube(text, "t.cube");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->title, "Film # look");
  ASSERT_EQ(r->comments.size(), 1u);
  EXPECT_EQ(r->comments[0], "Created by a test");
  EXPECT_FALSE(r->lut1d);
  ASSERT_TRUE(r->lut3d);
  EXPECT_EQ(r->lut3d->size, 2);
  EXPECT_EQ(r->lut3d->domain_max, (std::array<float, 3>{1, 2, 4}));
  EXPECT_TRUE(is_identity(Lut3D{2, r->lut3d->rgb, {0, 0, 0}, {1, 1, 1}}));
}

TEST(CubeParse, Adobe1D) {
  auto r = parse_cube(
      "LUT_1D_SIZE 3\nDOMAIN_MIN -0.5 -0.5 -0.5\nDOMAIN_MAX 1.5 1.5 1.5\n"
      "0 0 0\n0.25 0.5 0.75\n1 1 1\n",
      "t.cube");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_TRUE(r->lut1d);
  EXPECT_FALSE(r->lut3d);
  EXPECT_EQ(r->lut1d->size, 3);
  EXPECT_EQ(r->lut1d->domain_min[1], -0.5f);
  EXPECT_EQ(r->lut1d->rgb[4], 0.5f);
}

TEST(CubeParse, ResolveShaperPlus3D) {
  std::string text =
      "TITLE \"Resolve\"\nLUT_1D_SIZE 4\nLUT_1D_INPUT_RANGE 0 2\nLUT_3D_SIZE 2\n"
      "LUT_3D_INPUT_RANGE 0.0 1.0\n"
      "0 0 0\n0.5 0.5 0.5\n0.75 0.75 0.75\n1 1 1\n" +
      identity_cube_text(2);
  auto r = parse_cube(text, "t.cube");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_TRUE(r->lut1d && r->lut3d);
  EXPECT_EQ(r->lut1d->size, 4);
  EXPECT_EQ(r->lut1d->domain_max, (std::array<float, 3>{2, 2, 2}));
  EXPECT_EQ(r->lut3d->domain_max, (std::array<float, 3>{1, 1, 1}));
  EXPECT_EQ(r->lut1d->rgb[3], 0.5f);
  // Shaper maps 1.0 (a third of the way along 0..2, between entries 1 and 2) to 0.625.
  float px[4] = {1.0f, 2.0f, 0.0f, 0.3f};
  apply_cube(*r, Interp::kTetrahedral, px, 1);
  EXPECT_NEAR(px[0], 0.625f, 1e-6);
  EXPECT_NEAR(px[1], 1.0f, 1e-6);
  EXPECT_NEAR(px[2], 0.0f, 1e-6);
  EXPECT_EQ(px[3], 0.3f);
}

TEST(CubeParse, DomainBeforeSizeAndUnknownKeywordsAreAccepted) {
  auto r = parse_cube("DOMAIN_MIN 0 0 0\nLUT_3D_ORDER RGB\nLUT_3D_SIZE 2\n" + identity_cube_text(2),
                      "t");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
}

TEST(CubeParse, NoTrailingNewline) {
  std::string text = "LUT_3D_SIZE 2\n" + identity_cube_text(2);
  text.pop_back();
  ASSERT_TRUE(parse_cube(text, "t").ok());
}

TEST(CubeParseErrors, ReportFileAndLine) {
  const std::string id2 = identity_cube_text(2);
  expect_error("LUT_3D_SIZE 2\n0 0 0\n1 0\n", 3, "needs 3 numbers, found 2");
  expect_error("LUT_3D_SIZE 2\n0 0 0\n1 0 0 0\n", 3, "needs 3 numbers, found 4");
  expect_error("LUT_3D_SIZE 2\n0 0 0\n1 abc 0\n", 3, "'abc' is not a number");
  expect_error("LUT_3D_SIZE 2\n0 0 0\n1 0.5x 0\n", 3, "'0.5x' is not a number");
  expect_error("LUT_3D_SIZE 2\n0 0 0\nnan 0 0\n", 3, "not finite");
  expect_error("LUT_3D_SIZE 2\n0 0 0\n1 inf 0\n", 3, "not finite");
  expect_error("LUT_3D_SIZE 2\n0 0 0\n1 1e39 0\n", 3, "not finite");
  expect_error("\nLUT_3D_SIZE 1\n", 2, "out of range 2..256");
  expect_error("LUT_3D_SIZE 257\n", 1, "out of range 2..256");
  expect_error("LUT_3D_SIZE 99999999999\n", 1, "out of range");
  expect_error("LUT_3D_SIZE two\n", 1, "not an integer");
  expect_error("LUT_1D_SIZE 1\n", 1, "out of range 2..65536");
  expect_error("TITLE \"x\"\n0 0 0\n", 2, "before LUT_1D_SIZE or LUT_3D_SIZE");
  expect_error("TITLE \"x\"\n# only a title\n", 2, "no LUT_1D_SIZE or LUT_3D_SIZE");
  expect_error("LUT_3D_SIZE 2\n" + id2 + "1 1 1\n", 10, "too many entries: expected 8");
  expect_error("LUT_3D_SIZE 2\n0 0 0\n1 0 0\n\n", 4, "too few entries: expected 8, found 2");
  expect_error("LUT_1D_SIZE 2\nLUT_3D_SIZE 2\n0 0 0\n", 3,
               "expected 10 (2 for the 1D LUT + 8 for the 3D LUT)");
  expect_error("LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n", 2, "duplicate LUT_3D_SIZE");
  expect_error("LUT_3D_SIZE 2\nDOMAIN_MIN 0 0\n", 2, "DOMAIN_MIN needs 3 numbers");
  expect_error("LUT_3D_SIZE 2\nDOMAIN_MIN 1 0 0\nDOMAIN_MAX 1 1 1\n" + id2, 3,
               "greater than DOMAIN_MIN");
  expect_error("LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE 1 0\n", 2, "max must be greater");
  expect_error("LUT_3D_SIZE 2\nDOMAIN_MIN -3e38 0 0\nDOMAIN_MAX 3e38 1 1\n" + id2, 3,
               "too narrow or not finite");
  expect_error("LUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1e-39 1 1\n" + id2, 3,
               "too narrow or not finite (min 0, max 1e-39)");
  expect_error("LUT_3D_SIZE 2\n0 0 0\nTITLE \"late\"\n", 3, "unexpected 'TITLE' in the LUT data");
  expect_error("TITLE \"unterminated\nLUT_3D_SIZE 2\n", 1, "closing quote");
}

TEST(CubeFileIo, MissingFileIsNotFoundNamingIt) {
  auto r = read_cube_file("/nonexistent/dir/grade.cube");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/dir/grade.cube"), std::string::npos);
}

TEST(CubeFileIo, ErrorsFromFilesNameThePath) {
  test::TempDir dir;
  std::ofstream(dir.file("bad.cube")) << "LUT_3D_SIZE 2\n0 0 0\n";
  auto r = read_cube_file(dir.file("bad.cube"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind(dir.file("bad.cube") + ":2: ", 0), 0u)
      << r.status().message();
}

TEST(CubeFileIo, RoundTripIsBitExact) {
  test::TempDir dir;
  CubeFile cube;
  cube.title = "strong \"grade\"";
  cube.comments = {"made by framelock tests"};
  cube.lut3d = fixture::strong_grade_lut(17);
  cube.lut3d->rgb[5] = 1.0e-7f;  // small and awkward values must survive
  cube.lut3d->rgb[6] = -0.1f / 3.0f;
  cube.lut3d->domain_min = {-0.125f, 0, 0.1f};
  ASSERT_TRUE(write_cube(OutputPipeline::plain(), {dir.file("a.cube")}, cube).ok());
  auto back = read_cube_file(dir.file("a.cube"));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->title, "strong 'grade'");
  EXPECT_EQ(back->comments, cube.comments);
  ASSERT_TRUE(back->lut3d);
  EXPECT_EQ(back->lut3d->rgb, cube.lut3d->rgb);
  EXPECT_EQ(back->lut3d->domain_min, cube.lut3d->domain_min);
  EXPECT_EQ(back->lut3d->domain_max, cube.lut3d->domain_max);
  // No temp file left behind.
  int files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST(CubeFileIo, RoundTripShaperPlus3D) {
  test::TempDir dir;
  CubeFile cube;
  cube.lut1d = identity_lut1d(1024);
  for (float& v : cube.lut1d->rgb) v = std::sqrt(v);
  cube.lut1d->domain_min = {-0.1f, -0.2f, -0.3f};  // per channel: written as DOMAIN_*
  cube.lut1d->domain_max = {1.5f, 1.5f, 1.5f};
  cube.lut3d = fixture::strong_grade_lut(9);
  cube.lut3d->domain_max = {2, 2, 2};
  ASSERT_TRUE(write_cube(OutputPipeline::plain(), {dir.file("r.cube")}, cube).ok());
  auto back = read_cube_file(dir.file("r.cube"));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  ASSERT_TRUE(back->lut1d && back->lut3d);
  EXPECT_EQ(back->lut1d->rgb, cube.lut1d->rgb);
  EXPECT_EQ(back->lut1d->domain_min, cube.lut1d->domain_min);
  EXPECT_EQ(back->lut1d->domain_max, cube.lut1d->domain_max);
  EXPECT_EQ(back->lut3d->rgb, cube.lut3d->rgb);
  EXPECT_EQ(back->lut3d->domain_max, cube.lut3d->domain_max);
}

TEST(CubeFileIo, WriterRejectsWhatItCannotSay) {
  test::TempDir dir;
  EXPECT_EQ(write_cube(OutputPipeline::plain(), {dir.file("e.cube")}, CubeFile{}).code(),
            ErrorCode::kInvalidArgument);
  CubeFile bad;
  bad.lut3d = identity_lut3d(2);
  bad.lut3d->rgb.pop_back();
  EXPECT_EQ(write_cube(OutputPipeline::plain(), {dir.file("e.cube")}, bad).code(),
            ErrorCode::kInvalidArgument);
  CubeFile both;
  both.lut1d = identity_lut1d(2);
  both.lut3d = identity_lut3d(2);
  both.lut3d->domain_max = {1, 2, 1};
  EXPECT_EQ(write_cube(OutputPipeline::plain(), {dir.file("e.cube")}, both).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.file("e.cube")));
  EXPECT_EQ(write_cube(OutputPipeline::plain(), {"/nonexistent/dir/x.cube"},
                       CubeFile{.lut3d = identity_lut3d(2)})
                .code(),
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace fl::colour
