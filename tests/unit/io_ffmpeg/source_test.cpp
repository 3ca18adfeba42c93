#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "io/ffmpeg/ffmpeg_io.h"
#include "test_support.h"

namespace fl::io {
namespace {

std::unique_ptr<FrameSource> open_or_die(const std::string& path, const SourceOptions& o = {}) {
  auto src = open_ffmpeg_source(path, o);
  EXPECT_TRUE(src.ok()) << src.status().to_string();
  return src.ok() ? std::move(src).value() : nullptr;
}

// Decodes frames [0, count) in order.
std::vector<Image> read_sequential(const std::string& path, int64_t count) {
  auto src = open_or_die(path);
  std::vector<Image> frames;
  for (int64_t i = 0; src && i < count; ++i) {
    auto f = src->read_frame(i);
    EXPECT_TRUE(f.ok()) << "frame " << i << ": " << f.status().to_string();
    frames.push_back(f.ok() ? *f : Image());
  }
  return frames;
}

void expect_random_access_matches(const std::string& path, const std::vector<Image>& seq,
                                  const std::vector<int64_t>& order) {
  auto src = open_or_die(path);
  ASSERT_TRUE(src);
  for (int64_t n : order) {
    auto f = src->read_frame(n);
    ASSERT_TRUE(f.ok()) << "frame " << n << ": " << f.status().to_string();
    EXPECT_EQ(test::max_abs_diff(*f, seq[size_t(n)]), 0.0) << "frame " << n;
  }
}

TEST(FfmpegSource, MegamindSequentialFrames) {
  auto src = open_or_die(test::opencv_data("Megamind.avi"));
  ASSERT_TRUE(src);
  EXPECT_EQ(src->transfer(), colour::Transfer::kBt709);
  auto f = src->read_frame(0);
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ(f->bounds(), (Rect{0, 0, 720, 528}));
  EXPECT_EQ(f->at(10, 10)[3], 1.0f);
  // Consecutive frames differ (we are not handing out the same frame twice).
  auto g = src->read_frame(1);
  ASSERT_TRUE(g.ok());
  EXPECT_GT(test::max_abs_diff(*f, *g), 0.0);
}

// What analysis passes read: a held decoded frame, any region at any size, as 8-bit BGR that
// agrees with the 16-bit frame, and still readable after the source has moved on.
TEST(FfmpegSource, DecodedFramesReadAtAnyRegionAndSize) {
  auto src = open_or_die(test::opencv_data("Megamind.avi"));
  ASSERT_TRUE(src && src->reads_decoded());
  auto rgb = src->read_frame_rgb48(120);
  ASSERT_TRUE(rgb.ok()) << rgb.status().to_string();
  auto held = src->read_decoded(120);
  ASSERT_TRUE(held.ok()) << held.status().to_string();
  const io::DecodedFrame& d = **held;
  ASSERT_EQ(d.width(), 720);
  ASSERT_EQ(d.height(), 528);
  auto bgr8 = [&](Rect r, int w, int h) {
    std::vector<uint8_t> out(size_t(w) * h * 3);
    Status s = d.read_bgr8(r, w, h, out.data(), size_t(w) * 3);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return out;
  };
  // The 16-bit frame's code value at (x, y), channel c of BGR, in 8-bit units.
  auto code = [&](int x, int y, int c) { return rgb->row(y)[3 * x + (2 - c)] / 257.0; };
  auto mean_diff = [&](const std::vector<uint8_t>& got, Rect r, int scale) {
    const int w = r.w / scale, h = r.h / scale;
    double sum = 0;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) {
          double want = 0;
          for (int dy = 0; dy < scale; ++dy)
            for (int dx = 0; dx < scale; ++dx)
              want += code(r.x + x * scale + dx, r.y + y * scale + dy, c);
          sum += std::abs(got[size_t(3 * (y * w + x) + c)] - want / (scale * scale));
        }
    return sum / (double(w) * h * 3);
  };
  const Rect whole{0, 0, 720, 528};
  const auto full = bgr8(whole, 720, 528);
  EXPECT_LT(mean_diff(full, whole, 1), 1.0);
  const Rect face{200, 160, 160, 120};  // whole chroma samples
  EXPECT_LT(mean_diff(bgr8(face, 160, 120), face, 1), 1.0);
  EXPECT_LT(mean_diff(bgr8(whole, 180, 132), whole, 4), 1.5);
  // Held: the source reads on, and the frame reads the same.
  for (int64_t n = 121; n < 126; ++n) ASSERT_TRUE(src->read_frame_rgb48(n).ok());
  EXPECT_EQ(bgr8(whole, 720, 528), full);
  // A region outside the frame or a bad size is refused.
  std::vector<uint8_t> small(30);
  EXPECT_FALSE(d.read_bgr8(whole, 0, 10, small.data(), 30).ok());
  EXPECT_FALSE(d.read_bgr8(whole, 10, 1, small.data(), 3).ok());
}

TEST(FfmpegSource, MegamindRandomAccessMatchesSequential) {
  const std::string path = test::opencv_data("Megamind.avi");
  auto seq = read_sequential(path, 270);
  ASSERT_EQ(seq.size(), 270u);
  expect_random_access_matches(path, seq, {200, 5, 5, 269, 0, 131, 130, 132, 50, 1, 268, 100, 99});
}

TEST(FfmpegSource, MegamindReadsEveryFrameToTheEnd) {
  auto src = open_or_die(test::opencv_data("Megamind.avi"));
  ASSERT_TRUE(src);
  auto last = src->read_frame(269);
  EXPECT_TRUE(last.ok()) << last.status().to_string();
  auto past = src->read_frame(270);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(past.status().message().find("270"), std::string::npos);
  EXPECT_NE(past.status().message().find("Megamind.avi"), std::string::npos);
  EXPECT_FALSE(src->read_frame(-1).ok());
}

TEST(FfmpegSource, VtestRandomAccess) {
  const std::string path = test::opencv_data("vtest.avi");
  auto seq = read_sequential(path, 120);
  expect_random_access_matches(path, seq, {119, 3, 60, 61, 59, 0, 100});
}

class GeneratedClip : public ::testing::TestWithParam<const char*> {};

TEST_P(GeneratedClip, RandomAccessMatchesSequential) {
  test::TempDir dir;
  const std::string param = GetParam();  // "<extension> <ffmpeg codec arguments>"
  const size_t space = param.find(' ');
  std::string clip = dir.file("gop." + param.substr(0, space));
  std::string codec = param.substr(space + 1);
  ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=320x240:rate=24 -frames:v 40 -g 10 " + codec +
                         " " + clip),
            0);
  auto src = open_or_die(clip);
  ASSERT_TRUE(src);
  EXPECT_EQ(src->info().frame_count, 40);
  auto seq = read_sequential(clip, 40);
  expect_random_access_matches(clip, seq, {25, 9, 10, 11, 39, 0, 20, 19, 38, 1, 30, 30, 5});
}

INSTANTIATE_TEST_SUITE_P(Codecs, GeneratedClip,
                         ::testing::Values("mp4 -c:v libx264 -bf 3",
                                           "mkv -c:v libx265 -x265-params log-level=error",
                                           "mov -c:v prores_ks", "mkv -c:v ffv1", "avi -c:v mjpeg",
                                           "nut -c:v rawvideo -pix_fmt rgb48le",
                                           "ts -c:v mpeg2video -bf 2"));

TEST(FfmpegSource, TransferOverride) {
  auto rec709 = open_or_die(test::opencv_data("vtest.avi"));
  auto linear = open_or_die(test::opencv_data("vtest.avi"), SourceOptions{"linear"});
  ASSERT_TRUE(rec709 && linear);
  EXPECT_EQ(linear->transfer(), colour::Transfer::kLinear);
  auto a = rec709->read_frame(3);
  auto b = linear->read_frame(3);
  ASSERT_TRUE(a.ok() && b.ok());
  // Mid-grey code values are darker once the Rec.709 curve is undone.
  EXPECT_LT(a->at(100, 100)[1], b->at(100, 100)[1] + 1e-6f);
  auto bad = open_ffmpeg_source(test::opencv_data("vtest.avi"), SourceOptions{"bogus"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
}

TEST(FfmpegSource, SixteenBitRgbIsExact) {
  test::TempDir dir;
  std::string clip = dir.file("rgb48.nut");
  ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=64x48:rate=24 -frames:v 2 -c:v rawvideo "
                         "-pix_fmt rgb48le " +
                         clip),
            0);
  auto src = open_or_die(clip, SourceOptions{"linear"});
  ASSERT_TRUE(src);
  auto f = src->read_frame(1);
  ASSERT_TRUE(f.ok());
  // testsrc2 is 8-bit, widened by v * 257: every value must be k / 255 exactly.
  for (int i = 0; i < 64 * 4; ++i) {
    float v = f->data()[i] * 255.f;
    EXPECT_NEAR(v, std::round(v), 1e-3) << i;
  }
}

TEST(FfmpegSource, AlphaIsCarried) {
  test::TempDir dir;
  std::string clip = dir.file("alpha.mov");
  ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=64x48:rate=24 -frames:v 2 -vf format=rgba,"
                         "colorchannelmixer=aa=0.5 -c:v prores_ks -profile:v 4444 "
                         "-pix_fmt yuva444p10le " +
                         clip),
            0);
  auto src = open_or_die(clip);
  ASSERT_TRUE(src);
  EXPECT_TRUE(src->info().has_alpha);
  auto f = src->read_frame(0);
  ASSERT_TRUE(f.ok());
  EXPECT_NEAR(f->at(5, 5)[3], 0.5f, 0.01f);
}

}  // namespace
}  // namespace fl::io
