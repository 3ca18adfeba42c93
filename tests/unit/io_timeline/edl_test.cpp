#include <gtest/gtest.h>

#include <fstream>

#include "io/timeline/edl.h"
#include "test_support.h"
#include "timeline_fixture.h"

namespace fl::io {
namespace {

using test::expect_same_edit;
using test::has_warning;

constexpr Rational k24{24, 1};
constexpr Rational k2997{30000, 1001};
constexpr Rational k5994{60000, 1001};

Timeline parse_ok(const std::string& text, Rational rate = k24, const std::string& base = "/edit") {
  auto t = parse_edl(text, "cut.edl", base, rate);
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return t.ok() ? *t : Timeline();
}

std::string parse_error(const std::string& text, Rational rate = k24) {
  auto t = parse_edl(text, "cut.edl", "/edit", rate);
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), ErrorCode::kCorruptData);
  return t.status().message();
}

TEST(Edl, CutsWithNamesAndPaths) {
  Timeline t = parse_ok(
      "TITLE: Reel 1\r\n"
      "FCM: NON-DROP FRAME\r\n"
      "\r\n"
      "001  A001     V     C        00:00:10:00 00:00:14:00 01:00:00:00 01:00:04:00\r\n"
      "* FROM CLIP NAME: A001C003.mov\r\n"
      "* SOURCE FILE: media/A001C003.mov\r\n"
      "002  B002     V     C        00:01:00:12 00:01:01:00 01:00:04:00 01:00:04:12\r\n"
      "* FROM CLIP NAME: b002.mov\r\n"
      "003  AX       V     C        00:00:00:00 00:00:01:00 01:00:04:12 01:00:05:12\r\n"
      "* SOURCE FILE: /abs/c.mov\r\n");
  EXPECT_EQ(t.name, "Reel 1");
  EXPECT_EQ(t.rate, k24);
  EXPECT_FALSE(t.drop_frame);
  EXPECT_EQ(t.start, 86400);
  ASSERT_EQ(t.clips.size(), 3u);
  EXPECT_EQ(t.clips[0].name, "A001C003.mov");
  EXPECT_EQ(t.clips[0].reel, "A001");
  EXPECT_EQ(t.clips[0].path, "/edit/media/A001C003.mov");  // SOURCE FILE wins, made absolute
  EXPECT_EQ(t.clips[0].source_in, 240);
  EXPECT_EQ(t.clips[0].source_out, 336);
  EXPECT_EQ(t.clips[0].record_in, 0);
  EXPECT_EQ(t.clips[1].path, "/edit/b002.mov");  // from the clip name
  EXPECT_EQ(t.clips[1].source_in, 60 * 24 + 12);
  EXPECT_EQ(t.clips[1].record_in, 96);
  EXPECT_EQ(t.clips[2].name, "");
  EXPECT_EQ(t.clips[2].path, "/abs/c.mov");
  EXPECT_EQ(t.clips[2].record_in, 108);
  EXPECT_EQ(t.duration(), 132);
  EXPECT_TRUE(t.warnings.empty());
}

TEST(Edl, TitleFallsBackToFileNameAndRateToTwentyFour) {
  auto t = parse_edl("001 AX V C 00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00\n",
                     "/some/dir/my cut.edl", "", {0, 1});
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->name, "my cut");
  EXPECT_EQ(t->rate, k24);
  EXPECT_TRUE(has_warning(*t, "frame rate"));
  EXPECT_EQ(t->clips.at(0).path, "");  // no name, no source file: media unknown
}

TEST(Edl, DropFrameTimecode) {
  Timeline t = parse_ok(
      "TITLE: df\n"
      "FCM: DROP FRAME\n"
      "001  AX  V  C  00:01:00;02 00:01:00;12 00:59:59;28 01:00:00;08\n"
      "002  AX  V  C  00:10:00;00 00:10:00;10 01:00:00;08 01:00:00;18\n",
      k2997);
  EXPECT_EQ(t.rate, k2997);
  EXPECT_TRUE(t.drop_frame);
  ASSERT_EQ(t.clips.size(), 2u);
  EXPECT_EQ(t.clips[0].source_in, 1800);  // 00:01:00;00 and ;01 do not exist
  EXPECT_EQ(t.clips[0].duration(), 10);
  EXPECT_EQ(t.clips[1].source_in, 17982);  // ten minutes of 29.97 drop frame
  EXPECT_EQ(t.start, 107892 - 2);          // 01:00:00;00 is frame 107892
  EXPECT_EQ(t.clips[1].record_in, 10);
}

TEST(Edl, DropFrameFromSemicolonsWithoutRateHint) {
  Timeline t = parse_ok("001 AX V C 00:00:59;29 00:01:00;02 01:00:00;00 01:00:00;01\n", {0, 1});
  EXPECT_EQ(t.rate, k2997);
  EXPECT_TRUE(t.drop_frame);
  EXPECT_EQ(t.clips.at(0).source_in, 1799);
  EXPECT_EQ(t.clips.at(0).source_out, 1800);
}

TEST(Edl, DropFrameRejectsSkippedFrames) {
  EXPECT_NE(parse_error("FCM: DROP FRAME\n"
                        "001 AX V C 00:01:00;01 00:01:00;05 01:00:00;00 01:00:00;04\n",
                        k2997)
                .find("cut.edl: line 2: bad timecode '00:01:00;01'"),
            std::string::npos);
}

TEST(Edl, TimecodeConversionRoundTrips) {
  for (Rational rate : {k24, Rational{25, 1}, k2997, k5994, Rational{24000, 1001}}) {
    for (bool df : {false, true}) {
      for (int64_t f = 0; f < 400000; f += 997) {
        const std::string tc = frames_to_timecode(f, rate, df);
        auto back = timecode_to_frames(tc, rate, df && (rate == k2997 || rate == k5994));
        ASSERT_TRUE(back.has_value()) << tc;
        EXPECT_EQ(*back, f) << tc << " at " << rate.num << "/" << rate.den;
      }
    }
  }
  EXPECT_EQ(frames_to_timecode(107892, k2997, true), "01:00:00;00");
  EXPECT_EQ(frames_to_timecode(215784, k5994, true), "01:00:00;00");
  EXPECT_EQ(timecode_to_frames("00:01:00;04", k5994, true), 3600);
  EXPECT_FALSE(timecode_to_frames("00:01:00;03", k5994, true).has_value());
  EXPECT_FALSE(timecode_to_frames("00:00:00:24", k24, false).has_value());
  EXPECT_FALSE(timecode_to_frames("00:00:00;00", k24, false).has_value());
}

TEST(Edl, AscSopAndSatWithOrWithoutSpace) {
  Timeline t = parse_ok(
      "001  AX  V  C  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
      "*ASC_SOP (1.1 1.0 0.9)(0.01 -0.02 0)(1 1.2 0.8)\n"
      "*ASC_SAT 0.75\n"
      "002  AX  V  C  00:00:00:00 00:00:01:00 01:00:01:00 01:00:02:00\n"
      "* ASC_SOP ( 2 2 2 ) ( 0 0 0 ) ( 1 1 1 )\n"
      "* ASC_SAT 1.5\n"
      "003  AX  V  C  00:00:00:00 00:00:01:00 01:00:02:00 01:00:03:00\n");
  ASSERT_EQ(t.clips.size(), 3u);
  ASSERT_TRUE(t.clips[0].cdl.has_value());
  EXPECT_EQ(t.clips[0].cdl->slope, (std::array<double, 3>{1.1, 1.0, 0.9}));
  EXPECT_EQ(t.clips[0].cdl->offset, (std::array<double, 3>{0.01, -0.02, 0}));
  EXPECT_EQ(t.clips[0].cdl->power, (std::array<double, 3>{1, 1.2, 0.8}));
  EXPECT_EQ(t.clips[0].cdl->saturation, 0.75);
  ASSERT_TRUE(t.clips[1].cdl.has_value());
  EXPECT_EQ(t.clips[1].cdl->slope, (std::array<double, 3>{2, 2, 2}));
  EXPECT_EQ(t.clips[1].cdl->saturation, 1.5);
  EXPECT_FALSE(t.clips[2].cdl.has_value());
}

TEST(Edl, AscCommentsWithColonsAndCommas) {
  // As several NLEs write them: a colon after the keyword, commas between the numbers.
  Timeline t = parse_ok(
      "001  AX  V  C  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
      "* ASC_SOP: (1.1,1.0,0.9)(0.01,-0.02,0)(1,1.2,0.8)\n"
      "* ASC_SAT: 0.9\n"
      "002  AX  V  C  00:00:00:00 00:00:01:00 01:00:01:00 01:00:02:00\n"
      "*ASC_SOP:(2, 2, 2) (0, 0, 0) (1, 1, 1)\n"
      "*ASC_SAT:1.5\n");
  ASSERT_EQ(t.clips.size(), 2u);
  ASSERT_TRUE(t.clips[0].cdl.has_value());
  EXPECT_EQ(t.clips[0].cdl->slope, (std::array<double, 3>{1.1, 1.0, 0.9}));
  EXPECT_EQ(t.clips[0].cdl->offset, (std::array<double, 3>{0.01, -0.02, 0}));
  EXPECT_EQ(t.clips[0].cdl->power, (std::array<double, 3>{1, 1.2, 0.8}));
  EXPECT_EQ(t.clips[0].cdl->saturation, 0.9);
  ASSERT_TRUE(t.clips[1].cdl.has_value());
  EXPECT_EQ(t.clips[1].cdl->slope, (std::array<double, 3>{2, 2, 2}));
  EXPECT_EQ(t.clips[1].cdl->saturation, 1.5);
}

TEST(Edl, TwentyFiveAndThirtyFpsTimecodesWithoutARate) {
  // Frame fields of 24 and 29 cannot be counted at 24 fps: the parse without the media's rate
  // assumes the least rate they fit (the source then adopts the media's and parses again).
  auto t25 = parse_edl(
      "001 AX V C 00:00:00:00 00:00:01:24 01:00:00:00 01:00:01:24\n"
      "002 AX V C 00:00:05:00 00:00:06:00 01:00:01:24 01:00:02:24\n",
      "cut.edl", "/edit", {0, 1});
  ASSERT_TRUE(t25.ok()) << t25.status().to_string();
  EXPECT_EQ(t25->rate, (Rational{25, 1}));
  EXPECT_EQ(t25->clips.at(0).source_out, 49);  // 1 s 24 f at 25 fps
  EXPECT_TRUE(has_warning(*t25, "assuming 25 fps"));
  auto t30 = parse_edl("001 AX V C 00:00:00:00 00:00:00:29 01:00:00:00 01:00:00:29\n", "cut.edl",
                       "/edit", {0, 1});
  ASSERT_TRUE(t30.ok()) << t30.status().to_string();
  EXPECT_EQ(t30->rate, (Rational{30, 1}));
  // With a rate given, a frame field beyond it is still an error.
  const std::string e = parse_error("001 AX V C 00:00:00:00 00:00:00:29 01:00:00:00 01:00:00:29\n");
  EXPECT_NE(e.find("frame number too large"), std::string::npos) << e;
}

TEST(Edl, BadAscSopNamesTheLine) {
  std::string e = parse_error(
      "001  AX  V  C  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
      "*ASC_SOP (1 1)(0 0 0)(1 1 1)\n");
  EXPECT_NE(e.find("cut.edl: line 2: ASC_SOP needs 9 numbers"), std::string::npos) << e;
  e = parse_error(
      "001  AX  V  C  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
      "*ASC_SAT nope\n");
  EXPECT_NE(e.find("cut.edl: line 2: ASC_SAT value 'nope'"), std::string::npos) << e;
}

TEST(Edl, AudioEventsAreSkipped) {
  Timeline t = parse_ok(
      "001  AX  A     C  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
      "* FROM CLIP NAME: audio.wav\n"
      "002  AX  A2    C  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
      "003  AX  AA    C  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
      "004  AX  AA/V  C  00:00:05:00 00:00:06:00 01:00:00:00 01:00:01:00\n"
      "* FROM CLIP NAME: both.mov\n"
      "005  AX  B     C  00:00:07:00 00:00:08:00 01:00:01:00 01:00:02:00\n"
      "006  AX  A     C  00:00:00:00 00:00:01:00 01:00:02:00 01:00:03:00\n"
      "* ASC_SOP (bad)\n");  // belongs to a skipped event
  ASSERT_EQ(t.clips.size(), 2u);
  EXPECT_EQ(t.clips[0].name, "both.mov");
  EXPECT_EQ(t.clips[0].source_in, 120);
  EXPECT_EQ(t.clips[1].source_in, 168);
  EXPECT_TRUE(has_warning(t, "audio"));
}

TEST(Edl, GapsBlackAndDissolves) {
  Timeline t = parse_ok(
      "001  BL  V  C        00:00:00:00 00:00:00:12 01:00:00:00 01:00:00:12\n"
      "002  AX  V  C        00:00:10:00 00:00:11:00 01:00:00:12 01:00:01:12\n"
      "* FROM CLIP NAME: a.mov\n"
      "003  AX  V  C        00:00:20:00 00:00:20:00 01:00:02:00 01:00:02:00\n"
      "003  AX  V  D    012 00:00:30:00 00:00:31:00 01:00:02:00 01:00:03:00\n"
      "* FROM CLIP NAME: a.mov\n"
      "* TO CLIP NAME: b.mov\n");
  EXPECT_EQ(t.start, 86400);  // the black leader is part of the timeline
  ASSERT_EQ(t.clips.size(), 2u);
  EXPECT_EQ(t.clips[0].name, "a.mov");
  EXPECT_EQ(t.clips[0].record_in, 12);
  EXPECT_EQ(t.clips[1].name, "b.mov");
  EXPECT_EQ(t.clips[1].record_in, 48);  // 12 frames of gap after the first clip
  EXPECT_EQ(t.clips[1].source_in, 720);
  EXPECT_TRUE(has_warning(t, "dissolves are treated as cuts"));
  EXPECT_TRUE(has_warning(t, "black"));
}

TEST(Edl, EventsAreSortedByRecordIn) {
  Timeline t = parse_ok(
      "002  AX  V  C  00:00:02:00 00:00:03:00 01:00:01:00 01:00:02:00\n"
      "001  AX  V  C  00:00:01:00 00:00:02:00 01:00:00:00 01:00:01:00\n");
  ASSERT_EQ(t.clips.size(), 2u);
  EXPECT_EQ(t.clips[0].source_in, 24);
  EXPECT_EQ(t.clips[1].record_in, 24);
}

TEST(Edl, ErrorsNameFileAndLine) {
  const std::string head = "TITLE: x\nFCM: NON-DROP FRAME\n\n";
  const std::string ok_event = "001  AX  V  C  00:00:00:00 00:00:04:00 01:00:00:00 01:00:04:00\n";
  std::string e = parse_error(head + ok_event + "* FROM CLIP NAME: a.mov\n\n" +
                              "002  AX  V  C  00:00:0x:00 00:00:04:00 01:00:04:00 01:00:08:00\n");
  EXPECT_EQ(e, "cut.edl: line 7: bad timecode '00:00:0x:00'");
  e = parse_error(head + "001  AX  V  C  00:00:00:00 00:00:04:00 01:00:00:00 01:00:05:00\n");
  EXPECT_NE(e.find("cut.edl: line 4: record duration (120 frames) differs from source duration "
                   "(96 frames)"),
            std::string::npos)
      << e;
  e = parse_error(head + ok_event +
                  "002  AX  V  C  00:00:00:00 00:00:01:00 01:00:03:00 01:00:04:00\n");
  EXPECT_NE(e.find("cut.edl: line 5: record in 01:00:03:00 overlaps"), std::string::npos) << e;
  e = parse_error(head + "001  AX  V  C  00:00:00:00 00:00:04:00 01:00:00:00\n");
  EXPECT_NE(e.find("cut.edl: line 4: expected an event"), std::string::npos) << e;
  e = parse_error(head + "001  AX  V  X  00:00:00:00 00:00:04:00 01:00:00:00 01:00:04:00\n");
  EXPECT_NE(e.find("cut.edl: line 4: unknown edit type 'X'"), std::string::npos) << e;
  e = parse_error(head + "001  AX  V  C  00:00:00:00 00:00:00:24 01:00:00:00 01:00:01:00\n");
  EXPECT_NE(e.find("line 4: bad timecode '00:00:00:24' (frame number too large"), std::string::npos)
      << e;
  e = parse_error("FCM: SOMETIMES\n");
  EXPECT_EQ(e, "cut.edl: line 1: FCM 'SOMETIMES': expected DROP FRAME or NON-DROP FRAME");
}

TEST(Edl, RoundTrip) {
  for (auto [rate, df] : {std::pair{k24, false}, std::pair{k2997, true}, std::pair{k2997, false},
                          std::pair{k5994, true}, std::pair{Rational{25, 1}, false}}) {
    Timeline t = test::sample_timeline(rate, df);
    const std::string text = write_edl(t);
    auto back = parse_edl(text, "rt.edl", "/elsewhere", rate);
    ASSERT_TRUE(back.ok()) << back.status().to_string() << "\n" << text;
    expect_same_edit(*back, t);
    EXPECT_EQ(write_edl(*back), text);
  }
}

TEST(Edl, WriterOutput) {
  Timeline t = test::sample_timeline(k24, false);
  t.clips.resize(2);
  const std::string text = write_edl(t);
  EXPECT_EQ(text,
            "TITLE: reel 1 conform\n"
            "FCM: NON-DROP FRAME\n"
            "\n"
            "001  BL       V     C        00:00:00:00 00:00:01:00 01:15:00:00 01:15:01:00\n"
            "002  A001     V     C        00:01:15:00 00:01:19:04 01:15:01:00 01:15:05:04\n"
            "* FROM CLIP NAME: A001_C003.mov\n"
            "* SOURCE FILE: /footage/day 1/A001 C003 #1%.mov\n"
            "003  BL       V     C        00:00:00:00 00:00:03:04 01:15:05:04 01:15:08:08\n"
            "004  B002     V     C        00:00:00:00 00:12:29:07 01:15:08:08 01:27:37:15\n"
            "* FROM CLIP NAME: B002\n"
            "* SOURCE FILE: /footage/B002.mxf\n"
            "*ASC_SOP (1.1 0.9 1)(0.01 -0.02 0)(1 1.2 0.8)\n"
            "*ASC_SAT 0.85\n");
}

TEST(TimelineFile, MissingUnreadableAndUnknown) {
  fl::test::TempDir dir;
  auto t = read_timeline_file(dir.file("nope.edl"));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(t.status().message().find(dir.file("nope.edl")), std::string::npos);
  t = read_timeline_file(dir.file("cut.xml"));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(read_timeline_file(dir.path().string() + "/").ok());
}

TEST(TimelineFile, ReadsEdlWithPathsRelativeToIt) {
  fl::test::TempDir dir;
  std::ofstream(dir.file("Cut.EDL"))
      << "TITLE: t\n001 AX V C 00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00\n"
         "* SOURCE FILE: clips/a.mov\n";
  auto t = read_timeline_file(dir.file("Cut.EDL"), {25, 1});
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->rate, (Rational{25, 1}));
  EXPECT_EQ(t->clips.at(0).path, dir.file("clips/a.mov"));
  EXPECT_EQ(t->clips.at(0).duration(), 25);
  EXPECT_TRUE(is_timeline_path("x/Cut.EDL"));
  EXPECT_TRUE(is_timeline_path("a.otio"));
  EXPECT_FALSE(is_timeline_path("a.edl.mov"));
  EXPECT_FALSE(is_timeline_path("edl"));
}

}  // namespace
}  // namespace fl::io
