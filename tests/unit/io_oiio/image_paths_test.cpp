// File-name and metadata rules of the OIIO layer, without decoding anything.
#include <gtest/gtest.h>

#include "core/output_path.h"
#include "io/oiio/image_metadata.h"
#include "io/oiio/image_paths.h"
#include "io/oiio/oiio_io.h"

namespace fl::io {
namespace {

using image_paths::SequencePattern;

TEST(IsImagePath, StillExtensionsAnyCase) {
  for (const char* p : {"a.exr", "a.dpx", "a.tif", "a.tiff", "a.png", "a.jpg", "a.jpeg",
                        "/x/y/A.EXR", "B.Tiff", "c.JPG"})
    EXPECT_TRUE(is_image_path(p)) << p;
  for (const char* p : {"a.mov", "a.mkv", "exr", "a.exr.txt", "a", "/dir.exr/file", ".exr"})
    EXPECT_FALSE(is_image_path(p)) << p;
}

TEST(IsImagePath, SequencePatterns) {
  EXPECT_TRUE(is_image_path("shot.%04d.exr"));
  EXPECT_TRUE(is_image_path("shot.%d.png"));
  EXPECT_TRUE(is_image_path("/a/b/shot.####.DPX"));
  // Not ours: FFmpeg's image2 demuxer gets these.
  EXPECT_FALSE(is_image_path("shot.%04d.bmp"));
}

TEST(SequencePattern, ParsesPrintfAndHashes) {
  auto p = image_paths::parse_pattern("/tmp/x/shot.%04d.exr");
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(p->directory, "/tmp/x");
  EXPECT_EQ(p->prefix, "shot.");
  EXPECT_EQ(p->suffix, ".exr");
  EXPECT_EQ(p->padding, 4);
  EXPECT_EQ(p->path(7), "/tmp/x/shot.0007.exr");
  EXPECT_EQ(p->path(12345), "/tmp/x/shot.12345.exr");

  auto h = image_paths::parse_pattern("plate_######.dpx");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->directory, "");
  EXPECT_EQ(h->padding, 6);
  EXPECT_EQ(h->path(1001), "plate_001001.dpx");

  auto bare = image_paths::parse_pattern("f%d.png");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->padding, 0);
  EXPECT_EQ(bare->path(3), "f3.png");

  auto root = image_paths::parse_pattern("/f.%03d.png");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->path(3), "/f.003.png");
}

TEST(SequencePattern, RejectsTwoTokens) {
  auto p = image_paths::parse_pattern("shot.%04d.####.exr");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), ErrorCode::kInvalidArgument);
}

TEST(SequencePattern, DirectoryCharactersAreNotTokens) {
  EXPECT_FALSE(image_paths::looks_like_pattern("/renders/#1/%d/shot.exr"));
  EXPECT_TRUE(image_paths::looks_like_pattern("/renders/#1/shot.#.exr"));
}

TEST(SequencePattern, MatchesOnlyCanonicalNumbers) {
  SequencePattern p = *image_paths::parse_pattern("shot.%04d.exr");
  int64_t n = -1;
  EXPECT_TRUE(p.match("shot.0001.exr", &n));
  EXPECT_EQ(n, 1);
  EXPECT_TRUE(p.match("shot.12345.exr", &n));
  EXPECT_EQ(n, 12345);
  EXPECT_FALSE(p.match("shot.00001.exr", &n));  // would collide with shot.0001.exr
  EXPECT_FALSE(p.match("shot.001.exr", &n));
  EXPECT_FALSE(p.match("shot.000a.exr", &n));
  EXPECT_FALSE(p.match("shot..exr", &n));
  EXPECT_FALSE(p.match("shot.0001.exr.tmp", &n));
  EXPECT_FALSE(p.match("take.0001.exr", &n));
  SequencePattern bare = *image_paths::parse_pattern("f%d.png");
  EXPECT_TRUE(bare.match("f10.png", &n));
  EXPECT_EQ(n, 10);
  EXPECT_FALSE(bare.match("f010.png", &n));
}

TEST(TempName, HiddenBesideAndKeepsExtension) {
  std::string t = temp_path_beside("/out/dir/frame.0001.exr");
  EXPECT_EQ(t.rfind("/out/dir/.frame.0001.exr.tmp-", 0), 0u) << t;
  EXPECT_EQ(image_paths::extension_of(t), ".exr");
  EXPECT_NE(t, temp_path_beside("/out/dir/frame.0001.exr"));
  // A temp name never matches the sequence it belongs to.
  SequencePattern p = *image_paths::parse_pattern("/out/dir/frame.%04d.exr");
  int64_t n = 0;
  EXPECT_FALSE(p.match(t.substr(t.find_last_of('/') + 1), &n));
}

TEST(Timecode, SmpteRoundTrip) {
  for (const char* tc : {"01:00:00:00", "23:59:59:23", "10:21:32:14", "00:01:00;02"}) {
    auto w = image_metadata::smpte_from_timecode(tc);
    ASSERT_TRUE(w.has_value()) << tc;
    EXPECT_EQ(image_metadata::timecode_from_smpte(*w), tc);
  }
  EXPECT_FALSE(image_metadata::smpte_from_timecode("1:00").has_value());
  EXPECT_FALSE(image_metadata::smpte_from_timecode("25:00:00:00").has_value());
}

TEST(Timecode, AddFrames) {
  using image_metadata::add_frames;
  EXPECT_EQ(add_frames("01:00:00:00", 0, {24, 1}), "01:00:00:00");
  EXPECT_EQ(add_frames("01:00:00:23", 1, {24, 1}), "01:00:01:00");
  EXPECT_EQ(add_frames("00:59:59:24", 1, {25, 1}), "01:00:00:00");
  EXPECT_EQ(add_frames("23:59:59:23", 1, {24, 1}), "00:00:00:00");
  EXPECT_EQ(add_frames("00:00:00:00", 24, {24000, 1001}), "00:00:01:00");
  // Drop-frame skips ;00 and ;01 at each minute except every tenth.
  EXPECT_EQ(add_frames("00:00:59;29", 1, {30000, 1001}), "00:01:00;02");
  EXPECT_EQ(add_frames("00:09:59;29", 1, {30000, 1001}), "00:10:00;00");
  EXPECT_EQ(add_frames("00:00:00;00", 17982, {30000, 1001}), "00:10:00;00");
  EXPECT_EQ(add_frames("garbage", 1, {24, 1}), "");
}

TEST(FrameRate, RationalFromFps) {
  EXPECT_EQ(image_metadata::rational_from_fps(24.0), (Rational{24, 1}));
  EXPECT_EQ(image_metadata::rational_from_fps(23.976), (Rational{24000, 1001}));
  EXPECT_EQ(image_metadata::rational_from_fps(29.97), (Rational{30000, 1001}));
  EXPECT_EQ(image_metadata::rational_from_fps(0.0), (Rational{24, 1}));
}

TEST(ColourSpace, OiioNamesMapToFfmpegTrc) {
  EXPECT_EQ(image_metadata::trc_from_oiio_colorspace("sRGB"), "iec61966-2-1");
  EXPECT_EQ(image_metadata::trc_from_oiio_colorspace("Linear"), "linear");
  EXPECT_EQ(image_metadata::trc_from_oiio_colorspace("Rec709"), "bt709");
  EXPECT_EQ(image_metadata::trc_from_oiio_colorspace("Gamma2.2"), "bt470m");
  EXPECT_EQ(image_metadata::trc_from_oiio_colorspace("KodakLog"), "");
  for (auto t :
       {colour::Transfer::kLinear, colour::Transfer::kSrgb, colour::Transfer::kBt709,
        colour::Transfer::kGamma22, colour::Transfer::kGamma24, colour::Transfer::kGamma28}) {
    auto trc = image_metadata::trc_from_oiio_colorspace(image_metadata::oiio_colorspace_for(t));
    auto back = colour::parse_transfer(trc);
    ASSERT_TRUE(back.ok()) << trc;
    EXPECT_EQ(*back, t);
  }
}

}  // namespace
}  // namespace fl::io
