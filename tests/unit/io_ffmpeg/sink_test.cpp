#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <vector>

#include "io/ffmpeg/ffmpeg_io.h"
#include "test_support.h"

namespace fl::io {
namespace {

namespace fs = std::filesystem;

constexpr int kW = 320, kH = 240;

SinkOptions options_for(int w = kW, int h = kH) {
  SinkOptions o;
  o.width = w;
  o.height = h;
  o.frame_rate = {24, 1};
  return o;
}

std::vector<Image> patterns(int count, int w = kW, int h = kH) {
  std::vector<Image> out;
  for (int i = 0; i < count; ++i) out.push_back(test::make_pattern(w, h, i));
  return out;
}

// Camera footage for the lossy codecs' quality checks: synthetic patterns are all hard
// saturated edges or per-pixel chroma noise, exactly what 4:2:0 / 4:2:2 throw away.
std::vector<Image> footage(int count, int w = kW, int h = kH) {
  std::vector<Image> out;
  auto src = open_ffmpeg_source(test::opencv_data("Megamind.avi"), {});
  EXPECT_TRUE(src.ok()) << src.status().to_string();
  for (int i = 0; src.ok() && i < count; ++i) {
    auto f = (*src)->read_frame(40 + i);
    EXPECT_TRUE(f.ok()) << f.status().to_string();
    if (!f.ok()) continue;
    Image crop = f->crop_clamped(Rect{(720 - w) / 2, (528 - h) / 2, w, h});
    crop.set_origin(0, 0);
    out.push_back(crop);
  }
  return out;
}

Status write_all(const std::string& path, const SinkOptions& o, const std::vector<Image>& frames) {
  auto sink = open_ffmpeg_sink(path, o);
  if (!sink.ok()) return sink.status();
  for (const Image& f : frames) FL_RETURN_IF_ERROR((*sink)->write(f));
  return (*sink)->finish();
}

std::vector<Image> read_all(const std::string& path, colour::Transfer t) {
  std::vector<Image> out;
  auto src = open_ffmpeg_source(path, SourceOptions{std::string(colour::transfer_name(t))});
  EXPECT_TRUE(src.ok()) << src.status().to_string();
  if (!src.ok()) return out;
  for (int64_t i = 0; i < (*src)->info().frame_count; ++i) {
    auto f = (*src)->read_frame(i);
    EXPECT_TRUE(f.ok()) << f.status().to_string();
    if (f.ok()) out.push_back(*f);
  }
  return out;
}

bool dir_is_empty(const test::TempDir& dir) { return fs::is_empty(dir.path()); }

struct RoundTrip {
  const char* file;
  const char* codec;           // override, or "" for the extension's default
  const char* expect_codec;    // as probe reports it
  const char* expect_pix_fmt;  // as probe reports it
  double min_psnr;
};

class SinkRoundTrip : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(SinkRoundTrip, WritesReadsBackAndPicksTheDefaultFormat) {
  const RoundTrip& p = GetParam();
  test::TempDir dir;
  std::string path = dir.file(p.file);
  SinkOptions o = options_for();
  o.codec = p.codec;
  auto frames = footage(6);
  ASSERT_EQ(frames.size(), 6u);
  Status s = write_all(path, o, frames);
  ASSERT_TRUE(s.ok()) << s.to_string();

  auto info = probe_ffmpeg(path);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->codec, p.expect_codec);
  EXPECT_EQ(info->pixel_format, p.expect_pix_fmt);
  EXPECT_EQ(info->width, kW);
  EXPECT_EQ(info->height, kH);
  EXPECT_EQ(info->frame_rate, (Rational{24, 1}));
  // probe estimates from the duration where the container has no count (NUT leaves out the
  // last frame's); the source measures it, so read_all must still find all six.
  EXPECT_NEAR(double(info->frame_count), 6, 1);

  auto back = read_all(path, o.transfer);
  ASSERT_EQ(back.size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i)
    EXPECT_GT(test::psnr(frames[i], back[i]), p.min_psnr) << p.file << " frame " << i;
}

INSTANTIATE_TEST_SUITE_P(Containers, SinkRoundTrip,
                         ::testing::Values(RoundTrip{"a.mkv", "", "ffv1", "gbrp16le", 80},
                                           RoundTrip{"a.mov", "", "prores", "yuv422p10le", 40},
                                           RoundTrip{"a.mp4", "", "h264", "yuv420p", 38},
                                           RoundTrip{"a.nut", "", "rawvideo", "rgb48le", 80},
                                           RoundTrip{"a.avi", "", "mjpeg", "yuvj422p", 34},
                                           RoundTrip{"b.mp4", "libx265", "hevc", "yuv420p", 38},
                                           RoundTrip{"b.mkv", "libx265", "hevc", "yuv420p", 38}),
                         [](const auto& info) {
                           std::string n =
                               std::string(info.param.file) + "_" + info.param.expect_codec;
                           for (char& c : n)
                             if (c == '.') c = '_';
                           return n;
                         });

// A 16-bit lossless round trip is exact to within one 16-bit code value in the encoded domain.
TEST(FfmpegSink, FfvOneIsLosslessAtSixteenBits) {
  test::TempDir dir;
  std::string path = dir.file("lossless.mkv");
  SinkOptions o = options_for();
  o.transfer = colour::Transfer::kLinear;  // compare code values directly
  auto frames = patterns(2);
  ASSERT_TRUE(write_all(path, o, frames).ok());
  auto back = read_all(path, colour::Transfer::kLinear);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_LE(test::max_abs_diff(frames[1], back[1]), 0.5 / 65535 + 1e-7);
}

TEST(FfmpegSink, DefaultsFollowTheSource) {
  test::TempDir dir;
  MediaInfo eight_bit;
  eight_bit.pixel_format = "yuv420p";
  eight_bit.bit_depth = 8;
  MediaInfo twelve_alpha;
  twelve_alpha.pixel_format = "yuva444p12le";
  twelve_alpha.bit_depth = 12;
  twelve_alpha.has_alpha = true;
  struct Case {
    const char* file;
    const MediaInfo* src;
    const char* pix_fmt;
  };
  for (Case c : {Case{"8.mkv", &eight_bit, "bgr0"}, Case{"12.mp4", &twelve_alpha, "yuv420p10le"},
                 Case{"12a.mkv", &twelve_alpha, "gbrap16le"}, Case{"8.mp4", &eight_bit, "yuv420p"},
                 Case{"12a.mov", &twelve_alpha, "yuva444p12le"},
                 Case{"12a.nut", &twelve_alpha, "rgba64le"}}) {
    SinkOptions o = options_for(64, 48);
    o.source = *c.src;
    std::string path = dir.file(c.file);
    Status s = write_all(path, o, patterns(2, 64, 48));
    ASSERT_TRUE(s.ok()) << c.file << ": " << s.to_string();
    auto info = probe_ffmpeg(path);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->pixel_format, c.pix_fmt) << c.file;
  }
}

TEST(FfmpegSink, DnxhrInMxf) {
  test::TempDir dir;
  std::string path = dir.file("a.mxf");
  auto frames = footage(3, 640, 360);
  Status s = write_all(path, options_for(640, 360), frames);
  ASSERT_TRUE(s.ok()) << s.to_string();
  auto info = probe_ffmpeg(path);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->codec, "dnxhd");
  EXPECT_EQ(info->pixel_format, "yuv422p10le");
  auto back = read_all(path, colour::Transfer::kBt709);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_GT(test::psnr(frames[2], back[2]), 40);
}

TEST(FfmpegSink, OverridesAndCodecOptions) {
  test::TempDir dir;
  std::string path = dir.file("o.mov");
  SinkOptions o = options_for(64, 48);
  o.codec = "prores_ks";
  o.pixel_format = "yuv444p10le";
  o.codec_options = {{"profile", "4444"}};
  ASSERT_TRUE(write_all(path, o, patterns(1, 64, 48)).ok());
  auto info = probe_ffmpeg(path);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->pixel_format, "yuv444p12le");  // what FFmpeg's ProRes 4444 decoder outputs
}

TEST(FfmpegSink, TimecodeAndColourTagsAreCarried) {
  test::TempDir dir;
  SinkOptions o = options_for(64, 48);
  o.source.pixel_format = "yuv422p10le";
  o.source.bit_depth = 10;
  o.source.timecode = "01:00:00:00";
  o.source.color_primaries = "bt709";
  o.source.color_transfer = "bt709";
  o.source.color_matrix = "bt709";
  o.source.color_range = "tv";
  for (const char* name : {"tc.mov", "tc.mp4", "tc.mkv", "tc.mxf"}) {
    std::string path = dir.file(name);
    SinkOptions oo = o;
    if (std::string(name) == "tc.mxf") oo.width = 640, oo.height = 360;
    Status s = write_all(path, oo, patterns(2, oo.width, oo.height));
    ASSERT_TRUE(s.ok()) << name << ": " << s.to_string();
    auto info = probe_ffmpeg(path);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->timecode, "01:00:00:00") << name;
    if (std::string(name) == "tc.mkv") continue;  // RGB FFV1: matrix is "gbr" by construction
    EXPECT_EQ(info->color_primaries, "bt709") << name;
    EXPECT_EQ(info->color_transfer, "bt709") << name;
    EXPECT_EQ(info->color_matrix, "bt709") << name;
    EXPECT_EQ(info->color_range, "tv") << name;
  }
}

TEST(FfmpegSink, UntaggedSdIsTaggedBt601AndTransferFollowsOptions) {
  test::TempDir dir;
  std::string path = dir.file("sd.mp4");
  SinkOptions o = options_for(64, 48);
  o.transfer = colour::Transfer::kSrgb;
  ASSERT_TRUE(write_all(path, o, patterns(1, 64, 48)).ok());
  auto info = probe_ffmpeg(path);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->color_matrix, "smpte170m");
  EXPECT_EQ(info->color_transfer, "iec61966-2-1");
  EXPECT_EQ(info->color_range, "tv");
}

TEST(FfmpegSink, AudioIsCopiedFromTheSource) {
  test::TempDir dir;
  const std::string megamind = test::opencv_data("Megamind.avi");
  auto src = open_ffmpeg_source(megamind, {});
  ASSERT_TRUE(src.ok());
  SinkOptions o = options_for(720, 528);
  o.frame_rate = (*src)->info().frame_rate;
  o.source = (*src)->info();
  o.audio_source = megamind;
  o.audio_first_frame = 24;
  for (const char* name : {"audio.mkv", "audio.mov"}) {
    std::string path = dir.file(name);
    auto sink = open_ffmpeg_sink(path, o);
    ASSERT_TRUE(sink.ok()) << sink.status().to_string();
    for (int64_t i = 24; i < 48; ++i) {
      auto f = (*src)->read_frame(i);
      ASSERT_TRUE(f.ok());
      ASSERT_TRUE((*sink)->write(*f).ok());
    }
    ASSERT_TRUE((*sink)->finish().ok());
    auto info = probe_ffmpeg(path);
    ASSERT_TRUE(info.ok());
    EXPECT_TRUE(info->has_audio) << name;
    EXPECT_EQ(info->audio_codec, "ac3");
    EXPECT_EQ(info->audio_channels, 2);
    EXPECT_EQ(info->audio_sample_rate, 48000);
    EXPECT_EQ(info->frame_count, 24);
    // Audio is cut to the video: the container is no longer than 24 frames plus a packet.
    int rc = test::run("test $(ffprobe -v error -show_entries format=duration -of csv=p=0 " + path +
                       " | cut -d. -f1) -le 1");
    EXPECT_EQ(rc, 0) << name;
  }
}

TEST(FfmpegSink, TempFileUntilFinish) {
  test::TempDir dir;
  std::string path = dir.file("t.mov");
  auto sink = open_ffmpeg_sink(path, options_for(64, 48));
  ASSERT_TRUE(sink.ok());
  std::string temp = (*sink)->temp_path();
  EXPECT_NE(temp, path);
  EXPECT_EQ(fs::path(temp).parent_path(), fs::path(path).parent_path());
  EXPECT_TRUE(fs::exists(temp));
  EXPECT_FALSE(fs::exists(path));
  ASSERT_TRUE((*sink)->write(test::make_pattern(64, 48)).ok());
  EXPECT_FALSE(fs::exists(path));
  ASSERT_TRUE((*sink)->finish().ok());
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(temp));
  sink->reset();  // destroying a finished sink keeps its output
  EXPECT_TRUE(fs::exists(path));
}

TEST(FfmpegSink, AbortAndDestructorLeaveNothing) {
  test::TempDir dir;
  {
    auto sink = open_ffmpeg_sink(dir.file("a.mkv"), options_for(64, 48));
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->write(test::make_pattern(64, 48)).ok());
    (*sink)->abort();
    EXPECT_TRUE(dir_is_empty(dir));
    EXPECT_FALSE((*sink)->write(test::make_pattern(64, 48)).ok());
    EXPECT_FALSE((*sink)->finish().ok());
  }
  {
    auto sink = open_ffmpeg_sink(dir.file("b.mp4"), options_for(64, 48));
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->write(test::make_pattern(64, 48)).ok());
  }  // never finished
  EXPECT_TRUE(dir_is_empty(dir));
}

TEST(FfmpegSink, CallersImageIsNotModified) {
  test::TempDir dir;
  auto sink = open_ffmpeg_sink(dir.file("c.nut"), options_for(64, 48));
  ASSERT_TRUE(sink.ok());
  Image frame = test::make_pattern(64, 48);
  Image copy = frame.clone();
  ASSERT_TRUE((*sink)->write(frame).ok());
  EXPECT_EQ(test::max_abs_diff(frame, copy), 0.0);
}

TEST(FfmpegSink, WrongFrameSizeIsRejected) {
  test::TempDir dir;
  auto sink = open_ffmpeg_sink(dir.file("s.mkv"), options_for(64, 48));
  ASSERT_TRUE(sink.ok());
  Status s = (*sink)->write(test::make_pattern(32, 48));
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("32x48"), std::string::npos) << s.message();
  // The sink is still usable after a rejected frame.
  EXPECT_TRUE((*sink)->write(test::make_pattern(64, 48)).ok());
  EXPECT_TRUE((*sink)->finish().ok());
}

TEST(FfmpegSink, OpenFailuresLeaveNoFile) {
  test::TempDir dir;
  struct Case {
    std::string file, codec, pix_fmt;
    std::map<std::string, std::string> opts;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {"x.mkv", "no_such_codec", "", {}, ErrorCode::kUnsupported},
      {"x.mkv", "", "no_such_format", {}, ErrorCode::kInvalidArgument},
      {"x.mkv", "", "yuv420p", {}, ErrorCode::kInvalidArgument},  // ffv1 default is fine, but:
      {"x.mp4", "", "", {{"no_such_option", "1"}}, ErrorCode::kInvalidArgument},
      {"x.weird", "", "", {}, ErrorCode::kUnsupported},
      {"x.mxf", "", "", {}, ErrorCode::kInvalidArgument},  // DNxHR needs a larger frame
  };
  cases[2].codec = "prores_ks";
  for (const Case& c : cases) {
    SinkOptions o = options_for(64, 48);
    o.codec = c.codec;
    o.pixel_format = c.pix_fmt;
    o.codec_options = c.opts;
    auto sink = open_ffmpeg_sink(dir.file(c.file), o);
    ASSERT_FALSE(sink.ok()) << c.file << " " << c.codec << " " << c.pix_fmt;
    EXPECT_EQ(sink.status().code(), c.code) << sink.status().to_string();
    EXPECT_NE(sink.status().message().find(c.file), std::string::npos) << sink.status().message();
    EXPECT_TRUE(dir_is_empty(dir)) << c.file;
  }
}

TEST(FfmpegSink, MissingOutputDirectory) {
  test::TempDir dir;
  auto sink = open_ffmpeg_sink(dir.file("nope/x.mkv"), options_for(64, 48));
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(sink.status().message().find("nope"), std::string::npos);
}

TEST(FfmpegSink, UnwritableOutputDirectory) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  test::TempDir dir;
  fs::create_directory(dir.path() / "ro");
  fs::permissions(dir.path() / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  auto sink = open_ffmpeg_sink(dir.file("ro/x.mkv"), options_for(64, 48));
  fs::permissions(dir.path() / "ro", fs::perms::owner_all);
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(sink.status().message().find("ro"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir.path() / "ro"));
}

}  // namespace
}  // namespace fl::io
