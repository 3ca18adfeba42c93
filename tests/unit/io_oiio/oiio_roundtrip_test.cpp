// Write -> read round trips through every format, sequences, metadata and real stills.
#include <gtest/gtest.h>

#include <OpenImageIO/imageio.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "io/oiio/oiio_io.h"
#include "test_support.h"

namespace fl::io {
namespace {

namespace fs = std::filesystem;
using colour::Transfer;

// A premultiplied pattern with a varying alpha (frames are associated alpha, linear light).
Image pattern_with_alpha(int w, int h, int seed = 0) {
  Image img = test::make_pattern(w, h, seed);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float* p = img.at(x, y);
      p[3] = float((x + y) % 17) / 16.0f;
      p[0] *= p[3], p[1] *= p[3], p[2] *= p[3];
    }
  return img;
}

Status write_one(const std::string& path, const Image& img, SinkOptions options) {
  options.width = img.width();
  options.height = img.height();
  auto sink = open_image_sink(path, options);
  if (!sink.ok()) return sink.status();
  FL_RETURN_IF_ERROR((*sink)->write(img));
  return (*sink)->finish();
}

Result<Image> read_one(const std::string& path, const std::string& transfer = {}) {
  SourceOptions o;
  o.transfer = transfer;
  FL_ASSIGN_OR_RETURN(auto src, open_image_source(path, o));
  return src->read_frame(0);
}

// Largest difference of RGB in the encoded domain of `t` (where integer formats quantise).
double max_encoded_diff(const Image& a, const Image& b, Transfer t) {
  const auto& curve = colour::TransferCurve::get(t);
  double worst = 0;
  for (size_t i = 0; i < a.pixel_count(); ++i)
    for (int c = 0; c < 3; ++c) {
      float ea = curve.to_encoded(std::clamp(a.data()[i * 4 + c], 0.f, 1.f));
      float eb = curve.to_encoded(std::clamp(b.data()[i * 4 + c], 0.f, 1.f));
      worst = std::max(worst, double(std::abs(ea - eb)));
    }
  return worst;
}

double max_alpha_diff(const Image& a, const Image& b) {
  double worst = 0;
  for (size_t i = 0; i < a.pixel_count(); ++i)
    worst = std::max(worst, double(std::abs(a.data()[i * 4 + 3] - b.data()[i * 4 + 3])));
  return worst;
}

TEST(OiioRoundTrip, ExrHalfWithAlpha) {
  test::TempDir dir;
  Image img = pattern_with_alpha(64, 48);
  SinkOptions o;
  o.source.has_alpha = true;
  ASSERT_TRUE(write_one(dir.file("a.exr"), img, o).ok());
  auto info = probe_image(dir.file("a.exr"));
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->codec, "openexr");
  EXPECT_EQ(info->container, "openexr");
  EXPECT_EQ(info->pixel_format, "rgba_half");
  EXPECT_EQ(info->bit_depth, 16);
  EXPECT_TRUE(info->has_alpha);
  EXPECT_EQ(info->color_transfer, "linear");
  EXPECT_EQ(info->frame_count, 1);
  auto back = read_one(dir.file("a.exr"));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->bounds(), (Rect{0, 0, 64, 48}));
  EXPECT_LE(test::max_abs_diff(*back, img), 1e-3);  // half: 11-bit mantissa, values <= 1
}

TEST(OiioRoundTrip, ExrFloatIsExactAndAlphaOnlyWhenAsked) {
  test::TempDir dir;
  Image img = test::make_pattern(40, 30, 3);
  img.at(5, 5)[0] = 7.25f;  // scene-linear above 1 survives
  img.at(6, 5)[1] = -0.125f;
  SinkOptions o;
  o.pixel_format = "float";
  ASSERT_TRUE(write_one(dir.file("f.exr"), img, o).ok());
  auto info = probe_image(dir.file("f.exr"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->pixel_format, "rgb_float");
  EXPECT_FALSE(info->has_alpha);
  auto back = read_one(dir.file("f.exr"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(test::max_abs_diff(*back, img), 0.0);
}

TEST(OiioRoundTrip, Tiff16Srgb) {
  test::TempDir dir;
  Image img = pattern_with_alpha(50, 40, 1);
  SinkOptions o;
  o.transfer = Transfer::kSrgb;
  o.source.has_alpha = true;
  ASSERT_TRUE(write_one(dir.file("t.tif"), img, o).ok());
  auto info = probe_image(dir.file("t.tif"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->codec, "tiff");
  EXPECT_EQ(info->pixel_format, "rgba_uint16");
  EXPECT_EQ(info->bit_depth, 16);
  auto back = read_one(dir.file("t.tif"), "srgb");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_LE(max_encoded_diff(*back, img, Transfer::kSrgb), 1.0 / 65535 + 1e-6);
  EXPECT_LE(max_alpha_diff(*back, img), 0.5 / 65535 + 1e-6);
}

TEST(OiioRoundTrip, Dpx10BitRec709) {
  test::TempDir dir;
  Image img = test::make_pattern(48, 32, 2);
  SinkOptions o;
  o.transfer = Transfer::kBt709;
  o.source.has_alpha = true;  // DPX stays RGB
  ASSERT_TRUE(write_one(dir.file("d.dpx"), img, o).ok());
  auto info = probe_image(dir.file("d.dpx"));
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->codec, "dpx");
  EXPECT_EQ(info->pixel_format, "rgb_uint10");
  EXPECT_EQ(info->bit_depth, 10);
  EXPECT_FALSE(info->has_alpha);
  auto back = read_one(dir.file("d.dpx"), "rec709");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_LE(max_encoded_diff(*back, img, Transfer::kBt709), 1.0 / 1023);
}

TEST(OiioRoundTrip, Png8And16) {
  test::TempDir dir;
  Image img = pattern_with_alpha(33, 21, 4);
  SinkOptions o;
  o.transfer = Transfer::kSrgb;
  o.source.has_alpha = true;
  ASSERT_TRUE(write_one(dir.file("p8.png"), img, o).ok());
  auto info = probe_image(dir.file("p8.png"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->codec, "png");
  EXPECT_EQ(info->pixel_format, "rgba_uint8");
  EXPECT_EQ(info->color_transfer, "iec61966-2-1");
  auto back = read_one(dir.file("p8.png"));  // the sRGB tag, not an override
  ASSERT_TRUE(back.ok());
  EXPECT_LE(max_encoded_diff(*back, img, Transfer::kSrgb), 1.0 / 255);
  EXPECT_LE(max_alpha_diff(*back, img), 0.5 / 255 + 1e-6);

  o.pixel_format = "rgb16";
  ASSERT_TRUE(write_one(dir.file("p16.png"), img, o).ok());
  auto info16 = probe_image(dir.file("p16.png"));
  ASSERT_TRUE(info16.ok());
  EXPECT_EQ(info16->pixel_format, "rgba_uint16");
  auto back16 = read_one(dir.file("p16.png"));
  ASSERT_TRUE(back16.ok());
  EXPECT_LE(max_encoded_diff(*back16, img, Transfer::kSrgb), 1.0 / 65535 + 1e-6);
}

TEST(OiioRoundTrip, JpegQuality) {
  test::TempDir dir;
  Image img = test::make_pattern(128, 96, 5);
  SinkOptions o;
  o.transfer = Transfer::kSrgb;
  o.source.has_alpha = true;  // JPEG has no alpha: dropped, reads back opaque
  ASSERT_TRUE(write_one(dir.file("j.jpg"), img, o).ok());
  auto info = probe_image(dir.file("j.jpg"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->codec, "jpeg");
  EXPECT_EQ(info->pixel_format, "rgb_uint8");
  auto back = read_one(dir.file("j.jpg"));
  ASSERT_TRUE(back.ok());
  EXPECT_GT(test::psnr(*back, img), 35.0);
  EXPECT_EQ(back->at(3, 3)[3], 1.0f);
}

TEST(OiioSequence, PrintfPatternWrittenAndReadBack) {
  test::TempDir dir;
  SinkOptions o;
  o.source.first_frame = 1001;
  o.source.timecode = "01:00:00:00";
  o.frame_rate = {25, 1};
  auto sink = open_image_sink(dir.file("shot.%04d.exr"), o);
  ASSERT_TRUE(sink.ok()) << sink.status().to_string();
  std::vector<Image> frames;
  for (int i = 0; i < 3; ++i) {
    frames.push_back(test::make_pattern(32, 24, i));
    ASSERT_TRUE((*sink)->write(frames.back()).ok());
  }
  ASSERT_TRUE((*sink)->finish().ok());
  for (int n : {1001, 1002, 1003}) {
    char name[32];
    std::snprintf(name, sizeof name, "shot.%04d.exr", n);
    EXPECT_TRUE(fs::exists(dir.file(name))) << name;
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 3);

  auto src = open_image_source(dir.file("shot.%04d.exr"), {});
  ASSERT_TRUE(src.ok()) << src.status().to_string();
  const MediaInfo& info = (*src)->info();
  EXPECT_EQ(info.container, "image_sequence");
  EXPECT_EQ(info.codec, "openexr");
  EXPECT_EQ(info.frame_count, 3);
  EXPECT_EQ(info.first_frame, 1001);
  EXPECT_EQ(info.frame_rate, (Rational{25, 1}));
  EXPECT_EQ(info.timecode, "01:00:00:00");
  EXPECT_NEAR(info.duration_seconds, 3.0 / 25, 1e-9);
  EXPECT_EQ((*src)->transfer(), Transfer::kLinear);
  for (int i = 0; i < 3; ++i) {
    auto f = (*src)->read_frame(i);
    ASSERT_TRUE(f.ok()) << f.status().to_string();
    EXPECT_LE(test::max_abs_diff(*f, frames[i]), 1e-3) << i;
  }
  EXPECT_EQ((*src)->read_frame(3).status().code(), ErrorCode::kInvalidArgument);
  // Timecode advances per frame.
  auto third = probe_image(dir.file("shot.1003.exr"));
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->timecode, "01:00:00:02");
}

TEST(OiioSequence, HashPatternStartsAtOne) {
  test::TempDir dir;
  auto sink = open_image_sink(dir.file("plate.####.png"), SinkOptions{});
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE((*sink)->write(test::make_pattern(16, 16, 0)).ok());
  ASSERT_TRUE((*sink)->write(test::make_pattern(16, 16, 1)).ok());
  ASSERT_TRUE((*sink)->finish().ok());
  EXPECT_TRUE(fs::exists(dir.file("plate.0001.png")));
  EXPECT_TRUE(fs::exists(dir.file("plate.0002.png")));
  // Either spelling of the pattern reads the same files.
  for (const char* pattern : {"plate.####.png", "plate.%04d.png"}) {
    auto src = open_image_source(dir.file(pattern), {});
    ASSERT_TRUE(src.ok()) << pattern;
    EXPECT_EQ((*src)->info().first_frame, 1);
    EXPECT_EQ((*src)->info().frame_count, 2);
  }
}

TEST(OiioMetadata, TimecodeRateAndTransferTagsSurvive) {
  test::TempDir dir;
  struct Case {
    const char* file;
    Transfer transfer;
    const char* trc;
    bool carries_time;
  };
  // EXR is linear whatever the sink's transfer; TIFF has no tag OIIO reads back (sRGB default).
  for (const Case& c : {Case{"a.exr", Transfer::kBt709, "linear", true},
                        Case{"a.dpx", Transfer::kBt709, "bt709", true},
                        Case{"a.png", Transfer::kGamma22, "bt470m", false},
                        Case{"b.png", Transfer::kBt709, "bt709", false},
                        Case{"a.tif", Transfer::kSrgb, "iec61966-2-1", false}}) {
    SinkOptions o;
    o.transfer = c.transfer;
    o.frame_rate = {30000, 1001};
    o.source.timecode = "10:00:00:05";
    ASSERT_TRUE(write_one(dir.file(c.file), test::make_pattern(8, 8), o).ok()) << c.file;
    auto info = probe_image(dir.file(c.file));
    ASSERT_TRUE(info.ok()) << c.file;
    EXPECT_EQ(info->color_transfer, c.trc) << c.file;
    if (c.carries_time) {
      EXPECT_EQ(info->timecode, "10:00:00:05") << c.file;
      EXPECT_EQ(info->frame_rate, (Rational{30000, 1001})) << c.file;
    } else {
      EXPECT_EQ(info->frame_rate, (Rational{24, 1})) << c.file;  // the documented default
    }
  }
}

TEST(OiioStill, IsOneFrameButServesEveryIndex) {
  test::TempDir dir;
  ASSERT_TRUE(write_one(dir.file("matte.exr"), test::make_pattern(8, 8), {}).ok());
  auto src = open_image_source(dir.file("matte.exr"), {});
  ASSERT_TRUE(src.ok());
  EXPECT_EQ((*src)->info().frame_count, 1);
  auto f0 = (*src)->read_frame(0);
  auto f99 = (*src)->read_frame(99);
  ASSERT_TRUE(f0.ok() && f99.ok());
  EXPECT_EQ(test::max_abs_diff(*f0, *f99), 0.0);
  EXPECT_EQ((*src)->read_frame(-1).status().code(), ErrorCode::kInvalidArgument);
}

// Fixtures with 1 and 2 channels, which our sink never writes.
void write_gray_png(const std::string& path, int channels, unsigned char gray,
                    unsigned char alpha) {
  std::vector<unsigned char> px(8 * 4 * channels);
  for (size_t i = 0; i < px.size(); i += channels) {
    px[i] = gray;
    if (channels == 2) px[i + 1] = alpha;
  }
  auto out = OIIO::ImageOutput::create(path);
  ASSERT_TRUE(out);
  OIIO::ImageSpec spec(8, 4, channels, OIIO::TypeDesc::UINT8);
  if (channels == 2) spec.alpha_channel = 1;
  ASSERT_TRUE(out->open(path, spec));
  ASSERT_TRUE(out->write_image(OIIO::TypeDesc::UINT8, px.data()));
  ASSERT_TRUE(out->close());
}

TEST(OiioChannels, GrayBecomesRgbWithOpaqueAlpha) {
  test::TempDir dir;
  write_gray_png(dir.file("g.png"), 1, 128, 0);
  auto src = open_image_source(dir.file("g.png"), {});
  ASSERT_TRUE(src.ok()) << src.status().to_string();
  EXPECT_EQ((*src)->info().pixel_format, "gray_uint8");
  EXPECT_FALSE((*src)->info().has_alpha);
  auto f = (*src)->read_frame(0);
  ASSERT_TRUE(f.ok());
  const float* p = f->at(2, 1);
  // sRGB code 128 is 0.2158 in linear light.
  EXPECT_NEAR(p[0], 0.2158, 5e-4);
  EXPECT_EQ(p[0], p[1]);
  EXPECT_EQ(p[0], p[2]);
  EXPECT_EQ(p[3], 1.0f);
}

TEST(OiioChannels, GrayAlphaIsPremultipliedInLinearLight) {
  test::TempDir dir;
  write_gray_png(dir.file("ga.png"), 2, 255, 128);
  auto src = open_image_source(dir.file("ga.png"), {});
  ASSERT_TRUE(src.ok());
  EXPECT_EQ((*src)->info().pixel_format, "graya_uint8");
  EXPECT_TRUE((*src)->info().has_alpha);
  auto f = (*src)->read_frame(0);
  ASSERT_TRUE(f.ok());
  // Straight white at 50% becomes half the light, premultiplied in linear (not code 128 decoded).
  EXPECT_NEAR(f->at(0, 0)[0], 128.0 / 255, 1e-5);
  EXPECT_NEAR(f->at(0, 0)[3], 128.0 / 255, 1e-6);
}

TEST(OiioChannels, RgbGetsOpaqueAlphaAndOverrideWins) {
  test::TempDir dir;
  SinkOptions o;
  o.transfer = Transfer::kSrgb;
  Image grey(4, 4);
  grey.fill(0.2158f, 0.2158f, 0.2158f, 0.5f);
  ASSERT_TRUE(write_one(dir.file("rgb.png"), grey, o).ok());
  auto as_linear = read_one(dir.file("rgb.png"), "linear");
  ASSERT_TRUE(as_linear.ok());
  EXPECT_NEAR(as_linear->at(1, 1)[0], 128.0 / 255, 1e-6);  // code value, untouched
  EXPECT_EQ(as_linear->at(1, 1)[3], 1.0f);
  auto bad = open_image_source(dir.file("rgb.png"), SourceOptions{"log-c"});
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
}

TEST(OiioRealStills, OpencvJpegsDecodeToSensibleLinear) {
  for (const char* name : {"baboon.jpg", "HappyFish.jpg"}) {
    std::string path = test::opencv_data(name);
    if (!fs::exists(path)) GTEST_SKIP() << path << " missing (opencv-doc not installed)";
    auto src = open_image_source(path, {});
    ASSERT_TRUE(src.ok()) << src.status().to_string();
    const MediaInfo& info = (*src)->info();
    EXPECT_EQ(info.codec, "jpeg");
    EXPECT_EQ(info.container, "jpeg");
    EXPECT_EQ(info.pixel_format, "rgb_uint8");
    EXPECT_EQ(info.color_transfer, "iec61966-2-1");
    EXPECT_EQ((*src)->transfer(), Transfer::kSrgb);
    EXPECT_GT(info.width, 0);
    auto f = (*src)->read_frame(0);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->width(), info.width);
    EXPECT_EQ(f->height(), info.height);
    double sum = 0;
    for (size_t i = 0; i < f->pixel_count(); ++i) sum += f->data()[i * 4 + 1];
    double mean = sum / double(f->pixel_count());
    EXPECT_GT(mean, 0.0) << name;
    EXPECT_LT(mean, 1.0) << name;
    // Linear light of a natural picture averages well below its code values.
    auto raw = read_one(path, "linear");
    ASSERT_TRUE(raw.ok());
    double raw_sum = 0;
    for (size_t i = 0; i < raw->pixel_count(); ++i) raw_sum += raw->data()[i * 4 + 1];
    EXPECT_LT(mean, raw_sum / double(raw->pixel_count())) << name;
  }
  if (fs::exists(test::opencv_data("baboon.jpg"))) {
    auto info = probe_image(test::opencv_data("baboon.jpg"));
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->width, 512);
    EXPECT_EQ(info->height, 512);
  }
}

}  // namespace
}  // namespace fl::io
