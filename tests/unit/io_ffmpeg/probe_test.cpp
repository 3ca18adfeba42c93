#include <gtest/gtest.h>

#include "io/ffmpeg/ffmpeg_io.h"
#include "test_support.h"

namespace fl::io {
namespace {

TEST(ProbeFfmpeg, Megamind) {
  auto info = probe_ffmpeg(test::opencv_data("Megamind.avi"));
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->container, "avi");
  EXPECT_EQ(info->codec, "mpeg4");
  EXPECT_EQ(info->pixel_format, "yuv420p");
  EXPECT_EQ(info->width, 720);
  EXPECT_EQ(info->height, 528);
  EXPECT_NEAR(info->frame_rate.to_double(), 23.976, 0.01);
  EXPECT_EQ(info->frame_count, 270);
  EXPECT_NEAR(info->duration_seconds, 11.26, 0.05);
  EXPECT_EQ(info->bit_depth, 8);
  EXPECT_FALSE(info->has_alpha);
  EXPECT_EQ(info->color_transfer, "unknown");
  EXPECT_TRUE(info->has_audio);
  EXPECT_EQ(info->audio_codec, "ac3");
  EXPECT_EQ(info->audio_channels, 2);
  EXPECT_EQ(info->audio_sample_rate, 48000);
}

TEST(ProbeFfmpeg, Vtest) {
  auto info = probe_ffmpeg(test::opencv_data("vtest.avi"));
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->codec, "msmpeg4v3");
  EXPECT_EQ(info->width, 768);
  EXPECT_EQ(info->height, 576);
  EXPECT_EQ(info->frame_rate, (Rational{10, 1}));
  EXPECT_EQ(info->frame_count, 795);
  EXPECT_FALSE(info->has_audio);
}

TEST(ProbeFfmpeg, TaggedClipWithTimecode) {
  test::TempDir dir;
  std::string clip = dir.file("tagged.mov");
  ASSERT_EQ(
      test::ffmpeg("-f lavfi -i testsrc2=size=1280x720:rate=25 -frames:v 10 -vf "
                   "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv "
                   "-c:v prores_ks -pix_fmt yuv422p10le -timecode 01:00:00:00 " +
                   clip),
      0);
  auto info = probe_ffmpeg(clip);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->codec, "prores");
  EXPECT_EQ(info->pixel_format, "yuv422p10le");
  EXPECT_EQ(info->bit_depth, 10);
  EXPECT_FALSE(info->has_alpha);
  EXPECT_EQ(info->frame_count, 10);
  EXPECT_EQ(info->frame_rate, (Rational{25, 1}));
  EXPECT_EQ(info->timecode, "01:00:00:00");
  EXPECT_EQ(info->color_primaries, "bt709");
  EXPECT_EQ(info->color_transfer, "bt709");
  EXPECT_EQ(info->color_matrix, "bt709");
  EXPECT_EQ(info->color_range, "tv");
  EXPECT_FALSE(info->has_audio);
}

TEST(ProbeFfmpeg, FrameCountFromDurationInMkv) {
  test::TempDir dir;
  std::string clip = dir.file("count.mkv");
  ASSERT_EQ(
      test::ffmpeg("-f lavfi -i testsrc2=size=160x120:rate=24 -frames:v 30 -c:v ffv1 " + clip), 0);
  auto info = probe_ffmpeg(clip);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->container, "matroska,webm");
  EXPECT_EQ(info->frame_count, 30);
}

// The container's duration covers its longest stream: sound that runs on past the last picture
// must not add frames that are not there (a 12-frame cut of a clip with sound read as 25).
TEST(ProbeFfmpeg, SoundThatOutlastsThePictureAddsNoFrames) {
  test::TempDir dir;
  for (const char* ext : {"nut", "mkv"}) {
    std::string clip = dir.file(std::string("sound_longer.") + ext);
    ASSERT_EQ(test::ffmpeg("-f lavfi -i testsrc2=size=160x120:rate=24 -f lavfi -i "
                           "sine=frequency=440:duration=1.5 -frames:v 12 -c:v ffv1 -c:a flac " +
                           clip),
              0);
    auto source = open_ffmpeg_source(clip, {});
    ASSERT_TRUE(source.ok()) << source.status().to_string();
    EXPECT_EQ((*source)->info().frame_count, 12) << ext;
    EXPECT_NEAR((*source)->info().duration_seconds, 0.5, 0.01) << ext;
    EXPECT_TRUE((*source)->read_frame(11).ok()) << ext;
  }
}

// Intra-only codecs (raw, MJPEG, ProRes) are counted from the packets at the end, none of them
// decoded: the count must be the same as by decoding, with and without sound that runs longer.
TEST(ProbeFfmpeg, IntraOnlyClipsAreCountedFromTheirLastPackets) {
  test::TempDir dir;
  struct Case {
    const char* name;
    const char* codec;
    int frames;
  };
  for (const Case& c : {Case{"raw.nut", "-c:v rawvideo -pix_fmt rgb48le", 13},
                        Case{"mjpeg.mkv", "-c:v mjpeg -q:v 3 -pix_fmt yuvj420p", 17},
                        Case{"prores.mkv", "-c:v prores_ks -profile:v 3", 9}}) {
    for (bool sound : {false, true}) {
      std::string clip = dir.file(std::string(sound ? "sound_" : "") + c.name);
      std::string args = "-f lavfi -i testsrc2=size=160x120:rate=24 ";
      if (sound) args += "-f lavfi -i sine=frequency=440:duration=1.5 -c:a flac ";
      ASSERT_EQ(
          test::ffmpeg(args + "-frames:v " + std::to_string(c.frames) + " " + c.codec + " " + clip),
          0)
          << clip;
      auto source = open_ffmpeg_source(clip, {});
      ASSERT_TRUE(source.ok()) << source.status().to_string();
      EXPECT_EQ((*source)->info().frame_count, c.frames) << clip;
      EXPECT_TRUE((*source)->read_frame(c.frames - 1).ok()) << clip;
      EXPECT_TRUE((*source)->read_frame(0).ok()) << clip;
      EXPECT_FALSE((*source)->read_frame(c.frames).ok()) << clip;
    }
  }
}

}  // namespace
}  // namespace fl::io
