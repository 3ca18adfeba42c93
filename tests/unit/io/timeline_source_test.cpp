// Timelines through open_source(): frames must be the media's frames, exactly.
#include <gtest/gtest.h>

#include <fstream>

#include "io/dispatch/timeline_source.h"
#include "io/frame_source.h"
#include "test_support.h"

namespace fl::io {
namespace {

std::string megamind() { return test::opencv_data("Megamind.avi"); }

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::unique_ptr<FrameSource> open_or_die(const std::string& path) {
  auto src = open_source(path);
  EXPECT_TRUE(src.ok()) << src.status().to_string();
  return src.ok() ? std::move(src).value() : nullptr;
}

bool has_warning(const FrameSource& s, const std::string& part) {
  for (const std::string& w : s.info().warnings) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

// Megamind frames 10-19, then 100-109, cut together; the media is named by a path relative to
// the EDL and by FROM CLIP NAME alone (resolved against the EDL's directory).
std::string megamind_edl(const test::TempDir& dir) {
  std::filesystem::create_symlink(megamind(), dir.file("Megamind.avi"));
  return "TITLE: megamind cut\n"
         "FCM: NON-DROP FRAME\n\n"
         "001  MEGA     V     C        00:00:00:10 00:00:00:20 01:00:00:00 01:00:00:10\n"
         "* FROM CLIP NAME: first\n"
         "* SOURCE FILE: Megamind.avi\n"
         "002  MEGA     AA    C        00:00:00:00 00:00:05:00 01:00:00:00 01:00:05:00\n"
         "003  MEGA     V     C        00:00:04:04 00:00:04:14 01:00:00:10 01:00:00:20\n"
         "* FROM CLIP NAME: Megamind.avi\n";
}

TEST(TimelineSource, EdlFramesAreTheMediaFrames) {
  test::TempDir dir;
  write_file(dir.file("cut.edl"), megamind_edl(dir));
  auto tl = open_or_die(dir.file("cut.edl"));
  auto media = open_or_die(megamind());
  ASSERT_TRUE(tl && media);
  const MediaInfo& info = tl->info();
  EXPECT_EQ(info.path, dir.file("cut.edl"));
  EXPECT_EQ(info.container, "edl");
  EXPECT_EQ(info.width, 720);
  EXPECT_EQ(info.height, 528);
  EXPECT_EQ(info.frame_rate, media->info().frame_rate);  // the EDL's rate comes from its media
  EXPECT_EQ(info.frame_count, 20);
  EXPECT_EQ(info.timecode, "01:00:00:00");
  EXPECT_FALSE(info.has_audio);
  EXPECT_EQ(tl->transfer(), media->transfer());
  EXPECT_FALSE(tl->reads_rgb48());
  // In order, then jumping about (back into the first clip, which reopens the media).
  const std::pair<int64_t, int64_t> expected[] = {
      {0, 10}, {1, 11}, {9, 19}, {10, 100}, {11, 101}, {12, 102}, {19, 109}, {2, 12}, {10, 100}};
  for (auto [timeline_frame, media_frame] : expected) {
    auto a = tl->read_frame(timeline_frame);
    auto b = media->read_frame(media_frame);
    ASSERT_TRUE(a.ok()) << a.status().to_string();
    ASSERT_TRUE(b.ok()) << b.status().to_string();
    EXPECT_EQ(test::max_abs_diff(*a, *b), 0.0)
        << "timeline frame " << timeline_frame << " vs Megamind frame " << media_frame;
  }
  EXPECT_FALSE(tl->read_frame(20).ok());
  EXPECT_FALSE(tl->read_frame(-1).ok());
  EXPECT_TRUE(has_warning(*tl, "audio"));

  auto probed = probe(dir.file("cut.edl"));
  ASSERT_TRUE(probed.ok()) << probed.status().to_string();
  EXPECT_EQ(probed->frame_count, 20);
  EXPECT_EQ(probed->container, "edl");
}

TEST(TimelineSource, OtioGapsStillsAndResampling) {
  test::TempDir dir;
  const std::string otio = R"({
    "OTIO_SCHEMA": "Timeline.1", "name": "t",
    "tracks": {"OTIO_SCHEMA": "Stack.1", "children": [{
      "OTIO_SCHEMA": "Track.1", "kind": "Video", "children": [
        {"OTIO_SCHEMA": "Clip.2", "name": "mega",
         "source_range": {"OTIO_SCHEMA": "TimeRange.1",
           "start_time": {"OTIO_SCHEMA": "RationalTime.1", "value": 50, "rate": 23.976},
           "duration": {"OTIO_SCHEMA": "RationalTime.1", "value": 3, "rate": 23.976}},
         "active_media_reference_key": "DEFAULT_MEDIA",
         "media_references": {"DEFAULT_MEDIA": {"OTIO_SCHEMA": "ExternalReference.1",
           "target_url": "file://)" +
                           megamind() + R"("}}},
        {"OTIO_SCHEMA": "Gap.1", "source_range": {"OTIO_SCHEMA": "TimeRange.1",
           "start_time": {"OTIO_SCHEMA": "RationalTime.1", "value": 0, "rate": 23.976},
           "duration": {"OTIO_SCHEMA": "RationalTime.1", "value": 2, "rate": 23.976}}},
        {"OTIO_SCHEMA": "Clip.1", "name": "still",
         "source_range": {"OTIO_SCHEMA": "TimeRange.1",
           "start_time": {"OTIO_SCHEMA": "RationalTime.1", "value": 0, "rate": 23.976},
           "duration": {"OTIO_SCHEMA": "RationalTime.1", "value": 2, "rate": 23.976}},
         "media_reference": {"OTIO_SCHEMA": "ExternalReference.1",
           "target_url": ")" +
                           test::opencv_data("baboon.jpg") + R"("}}]}]}})";
  write_file(dir.file("cut.otio"), otio);
  auto tl = open_or_die(dir.file("cut.otio"));
  auto media = open_or_die(megamind());
  ASSERT_TRUE(tl && media);
  EXPECT_EQ(tl->info().container, "otio");
  EXPECT_EQ(tl->info().frame_count, 7);
  EXPECT_EQ(tl->info().frame_rate, (Rational{24000, 1001}));
  auto a = tl->read_frame(1);
  auto b = media->read_frame(51);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(test::max_abs_diff(*a, *b), 0.0);
  auto gap = tl->read_frame(3);
  ASSERT_TRUE(gap.ok()) << gap.status().to_string();
  EXPECT_EQ(gap->bounds(), (Rect{0, 0, 720, 528}));
  EXPECT_EQ(gap->at(100, 100)[0], 0.0f);
  EXPECT_EQ(gap->at(100, 100)[3], 1.0f);
  auto s1 = tl->read_frame(5);
  auto s2 = tl->read_frame(6);
  ASSERT_TRUE(s1.ok() && s2.ok()) << s1.status().to_string();
  EXPECT_EQ(s1->bounds(), (Rect{0, 0, 720, 528}));  // 512x512, resampled to the first clip
  EXPECT_EQ(test::max_abs_diff(*s1, *s2), 0.0);     // a still holds
  EXPECT_GT(test::max_abs_diff(*s1, *gap), 0.1);
  EXPECT_TRUE(has_warning(*tl, "resampled to 720x528"));
}

TEST(TimelineSource, FirstClipSetsTheSize) {
  test::TempDir dir;
  write_file(dir.file("cut.edl"),
             "001  AX  V  C  00:00:00:00 00:00:00:02 01:00:00:00 01:00:00:02\n"
             "* SOURCE FILE: " +
                 test::opencv_data("baboon.jpg") +
                 "\n"
                 "002  AX  V  C  00:00:00:05 00:00:00:07 01:00:00:02 01:00:00:04\n"
                 "* SOURCE FILE: " +
                 megamind() + "\n");
  auto tl = open_or_die(dir.file("cut.edl"));
  ASSERT_TRUE(tl);
  EXPECT_EQ(tl->info().width, 512);
  EXPECT_EQ(tl->info().height, 512);
  EXPECT_EQ(tl->info().frame_rate, open_or_die(megamind())->info().frame_rate);  // not the still's
  auto f = tl->read_frame(3);
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ(f->bounds(), (Rect{0, 0, 512, 512}));
  EXPECT_TRUE(has_warning(*tl, "clip 2 is 720x528; resampled to 512x512"));
}

TEST(TimelineSource, MissingMediaNamesTheClipAndPath) {
  test::TempDir dir;
  write_file(dir.file("cut.edl"),
             "001  AX  V  C  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
             "* SOURCE FILE: " +
                 megamind() +
                 "\n"
                 "002  AX  V  C  00:00:00:00 00:00:01:00 01:00:01:00 01:00:02:00\n"
                 "* FROM CLIP NAME: lost shot\n"
                 "* SOURCE FILE: media/lost.mov\n");
  auto src = open_source(dir.file("cut.edl"));
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(src.status().message(), "timeline '" + dir.file("cut.edl") +
                                        "': clip 2 'lost shot': media '" +
                                        dir.file("media/lost.mov") + "' not found");
  EXPECT_FALSE(probe(dir.file("cut.edl")).ok());
}

TEST(TimelineSource, OtherOpenErrors) {
  test::TempDir dir;
  auto message = [&](const std::string& name, const std::string& text) {
    write_file(dir.file(name), text);
    auto src = open_source(dir.file(name));
    EXPECT_FALSE(src.ok());
    return src.status().message();
  };
  const std::string edl_event = "001  AX  V  C  00:00:10:00 00:00:12:00 01:00:00:00 01:00:02:00\n";
  EXPECT_NE(
      message("long.edl", edl_event + "* SOURCE FILE: " + megamind() + "\n")
          .find("clip 1: uses source frames 240..287 but '" + megamind() + "' has 270 frames"),
      std::string::npos);
  EXPECT_NE(message("nested.edl", edl_event + "* SOURCE FILE: long.edl\n")
                .find("nested timelines are not supported"),
            std::string::npos);
  EXPECT_NE(message("unknown.edl", edl_event).find("clip 1: the timeline does not say"),
            std::string::npos);
  EXPECT_NE(message("empty.edl", "TITLE: nothing\n").find("has no video clips"), std::string::npos);
  EXPECT_NE(message("bad.edl", "001 AX V C 00:00:0x:00 00:00:01:00 01:00:00:00 01:00:01:00\n")
                .find("bad.edl: line 1: bad timecode '00:00:0x:00'"),
            std::string::npos);
  auto missing = open_source(dir.file("absent.otio"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace fl::io
