#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/timeline/otio.h"
#include "timeline_fixture.h"

namespace fl::io {
namespace {

using nlohmann::json;
using test::expect_same_edit;
using test::has_warning;

json rt(double value, double rate) {
  return {{"OTIO_SCHEMA", "RationalTime.1"}, {"value", value}, {"rate", rate}};
}
json range(double start, double duration, double rate) {
  return {{"OTIO_SCHEMA", "TimeRange.1"},
          {"start_time", rt(start, rate)},
          {"duration", rt(duration, rate)}};
}
json clip1(const std::string& name, const std::string& url, double start, double duration,
           double rate = 24) {
  return {{"OTIO_SCHEMA", "Clip.1"},
          {"name", name},
          {"source_range", range(start, duration, rate)},
          {"media_reference", {{"OTIO_SCHEMA", "ExternalReference.1"}, {"target_url", url}}}};
}
// `f({x})` with one json element is a copy under clang and a one-element array under gcc
// (nlohmann's brace-initialisation caveat): a lone item is made a list here.
json listed(json items) { return items.is_array() ? items : json::array({std::move(items)}); }
json track(const std::string& kind, json children) {
  children = listed(std::move(children));
  return {{"OTIO_SCHEMA", "Track.1"}, {"kind", kind}, {"children", std::move(children)}};
}
json timeline(json tracks) {
  tracks = listed(std::move(tracks));
  return {{"OTIO_SCHEMA", "Timeline.1"},
          {"name", "conform"},
          {"global_start_time", nullptr},
          {"tracks", {{"OTIO_SCHEMA", "Stack.1"}, {"children", std::move(tracks)}}}};
}

Timeline parse_ok(const json& j, const std::string& base = "/edit") {
  auto t = parse_otio(j.dump(), "cut.otio", base);
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return t.ok() ? *t : Timeline();
}

TEST(Otio, ClipsGapsTransitionsAndTracks) {
  json clip2 = {
      {"OTIO_SCHEMA", "Clip.2"},
      {"name", "two"},
      {"source_range", range(100, 10, 24)},
      {"active_media_reference_key", "HIGH"},
      {"media_references",
       {{"DEFAULT_MEDIA", {{"OTIO_SCHEMA", "ExternalReference.1"}, {"target_url", "proxy.mov"}}},
        {"HIGH", {{"OTIO_SCHEMA", "ExternalReference.1"}, {"target_url", "high/two.mov"}}}}}};
  json v1 =
      track("Video",
            {clip1("one", "file:///footage/day%201/one%23.mov", 86400, 48),
             {{"OTIO_SCHEMA", "Gap.1"}, {"source_range", range(0, 12, 24)}},
             clip2,
             {{"OTIO_SCHEMA", "Transition.1"}, {"in_offset", rt(6, 24)}, {"out_offset", rt(6, 24)}},
             clip1("three", "file://localhost/abs/three.mov", 0, 24)});
  json v2 = track("Video", {clip1("top", "/x/top.mov", 0, 500)});
  json a1 = track("Audio", {clip1("sound", "/x/sound.wav", 0, 500)});
  Timeline t = parse_ok(timeline({v1, a1, v2}));
  EXPECT_EQ(t.name, "conform");
  EXPECT_EQ(t.rate, (Rational{24, 1}));
  EXPECT_EQ(t.start, 0);
  ASSERT_EQ(t.clips.size(), 3u);
  EXPECT_EQ(t.clips[0].name, "one");
  EXPECT_EQ(t.clips[0].path, "/footage/day 1/one#.mov");
  EXPECT_EQ(t.clips[0].source_in, 86400);
  EXPECT_EQ(t.clips[0].source_out, 86448);
  EXPECT_EQ(t.clips[0].record_in, 0);
  EXPECT_EQ(t.clips[1].path, "/edit/high/two.mov");  // Clip.2: the active reference
  EXPECT_EQ(t.clips[1].record_in, 60);               // after a 12-frame gap
  EXPECT_EQ(t.clips[1].source_in, 100);
  EXPECT_EQ(t.clips[2].path, "/abs/three.mov");
  EXPECT_EQ(t.clips[2].record_in, 70);  // the transition takes no time: a cut
  EXPECT_TRUE(has_warning(t, "2 video tracks; only the first is used"));
  EXPECT_TRUE(has_warning(t, "transitions are treated as cuts"));
  EXPECT_TRUE(has_warning(t, "audio"));
}

TEST(Otio, RatesAndTimeConversion) {
  json c = clip1("a", "a.mov", 1001, 2002, 24000);  // in 1/24000 s units
  c["source_range"]["duration"] = rt(48, 23.976);
  json j = timeline({track("Video", {c})});
  j["global_start_time"] = rt(86400, 23.976);
  Timeline t = parse_ok(j);
  EXPECT_EQ(t.rate, (Rational{24000, 1001}));
  EXPECT_EQ(t.start, 86400);
  ASSERT_EQ(t.clips.size(), 1u);
  EXPECT_EQ(t.clips[0].source_in, 1);
  EXPECT_EQ(t.clips[0].duration(), 48);
}

TEST(Otio, CdlReelAndDisabledClips) {
  json c = clip1("graded", "/g.mov", 0, 10);
  c["metadata"] = {
      {"cdl",
       {{"asc_sop",
         {{"slope", {1.1, 1, 0.9}}, {"offset", {0.01, 0, -0.01}}, {"power", {1, 1, 1.2}}}},
        {"asc_sat", 0.9}}},
      {"cmx_3600", {{"reel", "A001"}}}};
  json off = clip1("off", "/o.mov", 0, 5);
  off["enabled"] = false;
  Timeline t = parse_ok(timeline({track("Video", {off, c})}));
  ASSERT_EQ(t.clips.size(), 1u);
  EXPECT_EQ(t.clips[0].record_in, 5);
  EXPECT_EQ(t.clips[0].reel, "A001");
  ASSERT_TRUE(t.clips[0].cdl.has_value());
  EXPECT_EQ(t.clips[0].cdl->slope, (std::array<double, 3>{1.1, 1, 0.9}));
  EXPECT_EQ(t.clips[0].cdl->offset, (std::array<double, 3>{0.01, 0, -0.01}));
  EXPECT_EQ(t.clips[0].cdl->power, (std::array<double, 3>{1, 1, 1.2}));
  EXPECT_EQ(t.clips[0].cdl->saturation, 0.9);
  EXPECT_TRUE(has_warning(t, "disabled"));
}

TEST(Otio, MissingSourceRangeNamesTheField) {
  json no_range = {{"OTIO_SCHEMA", "Clip.1"}, {"name", "c"}};
  json j =
      timeline({track("Video", {clip1("a", "a.mov", 0, 1), clip1("b", "b.mov", 0, 1), no_range})});
  auto t = parse_otio(j.dump(), "cut.otio", "");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), ErrorCode::kCorruptData);
  EXPECT_EQ(t.status().message(), "cut.otio: tracks.children[0].children[2].source_range: missing");
  EXPECT_EQ(t.status().field(), "tracks.children[0].children[2].source_range");
}

TEST(Otio, OtherErrors) {
  auto message = [](const std::string& text) {
    auto t = parse_otio(text, "cut.otio", "");
    EXPECT_FALSE(t.ok());
    return t.status().message();
  };
  EXPECT_NE(message("{\"OTIO_SCHEMA\": ").find("cut.otio: not JSON: parse error at line 1"),
            std::string::npos);
  EXPECT_EQ(message("[]"), "cut.otio: (top level): expected an OTIO Timeline object");
  EXPECT_EQ(message("{\"OTIO_SCHEMA\": \"Clip.1\"}"),
            "cut.otio: OTIO_SCHEMA: expected Timeline.1, found 'Clip.1'");
  json bad_rate = timeline({track("Video", {clip1("a", "a.mov", 0, 1, -24)})});
  EXPECT_EQ(message(bad_rate.dump()),
            "cut.otio: tracks.children[0].children[0].source_range.duration.rate: is not a frame "
            "rate framelock can use");
  json c = clip1("a", "a.mov", 0, 1);
  c["metadata"] = {{"cdl", {{"asc_sop", {{"slope", {1, 1}}}}}}};
  EXPECT_EQ(message(timeline({track("Video", {c})}).dump()),
            "cut.otio: tracks.children[0].children[0].metadata.cdl.asc_sop.slope: expected 3 "
            "numbers");
  json neg = clip1("a", "a.mov", -5, 1);
  EXPECT_EQ(message(timeline({track("Video", {neg})}).dump()),
            "cut.otio: tracks.children[0].children[0].source_range.start_time: is negative");
  json stack = {{"OTIO_SCHEMA", "Stack.1"}, {"children", json::array()}};
  EXPECT_EQ(message(timeline({track("Video", {stack})}).dump()),
            "cut.otio: tracks.children[0].children[0]: unsupported item 'Stack.1' (expected "
            "Clip, Gap or Transition)");
}

TEST(Otio, RoundTrip) {
  for (Rational rate : {Rational{24, 1}, Rational{24000, 1001}, Rational{30000, 1001},
                        Rational{25, 1}, Rational{60, 1}}) {
    Timeline t = test::sample_timeline(rate, false);
    t.clips[2].path = "relative/c 100%.mov";  // plain paths stay plain
    t.clips[2].reel = "";
    const std::string text = write_otio(t);
    auto back = parse_otio(text, "rt.otio", "");
    ASSERT_TRUE(back.ok()) << back.status().to_string() << "\n" << text;
    expect_same_edit(*back, t);
    EXPECT_EQ(write_otio(*back), text);
    EXPECT_NE(text.find("file:///footage/day%201/A001%20C003%20%231%25.mov"), std::string::npos);
  }
}

TEST(Otio, EmptyTimelineRoundTrips) {
  Timeline t;
  t.name = "empty";
  t.rate = {25, 1};
  auto back = parse_otio(write_otio(t), "e.otio", "");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  expect_same_edit(*back, t);
}

}  // namespace
}  // namespace fl::io

namespace fl::io {
namespace {

json gap(double duration, double rate = 24) {
  return {{"OTIO_SCHEMA", "Gap.1"}, {"source_range", range(0, duration, rate)}};
}

TEST(Otio, NonFiniteNumbersInMetadataAreRead) {
  // As OTIO writes them: NaN, Infinity, -Infinity are not JSON words, but OTIO files hold them.
  json v = track("Video", json::array({clip1("a", "a.mov", 0, 24)}));
  std::string text = timeline(v).dump();
  const std::string marker = "\"name\":\"conform\"";
  ASSERT_NE(text.find(marker), std::string::npos);
  text.replace(text.find(marker), marker.size(),
               marker +
                   ",\"metadata\":{\"gain\":NaN,\"peak\":Infinity,\"floor\":-Infinity,"
                   "\"label\":\"NaN Infinity\"}");
  auto t = parse_otio(text, "cut.otio", "/edit");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->clips.size(), 1u);
  // Where a number is needed, a non-finite one is named as the field it spoils.
  std::string bad = timeline(v).dump();
  const std::string value = "\"value\":24.0";
  ASSERT_NE(bad.find(value), std::string::npos) << bad;
  bad.replace(bad.find(value), value.size(), "\"value\":Infinity");
  auto b = parse_otio(bad, "cut.otio", "/edit");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message().find("not JSON"), std::string::npos) << b.status().message();
}

TEST(Otio, TrailingGapIsPartOfTheCut) {
  Timeline t =
      parse_ok(timeline(track("Video", json::array({clip1("a", "a.mov", 0, 24), gap(12)}))));
  ASSERT_EQ(t.clips.size(), 1u);
  EXPECT_EQ(t.duration(), 36);
  // And writes back with it.
  auto back = parse_otio(write_otio(t), "rt.otio", "");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->duration(), 36);
}

TEST(Otio, SequenceIsReadAsTrack) {
  json v = track("Video", json::array({clip1("a", "a.mov", 0, 24)}));
  v["OTIO_SCHEMA"] = "Sequence.1";
  Timeline t = parse_ok(timeline(v));
  ASSERT_EQ(t.clips.size(), 1u);
  EXPECT_EQ(t.clips[0].name, "a");
}

TEST(Otio, TrackTrimAndDisabledTracks) {
  // A disabled first video track is skipped; the second's source_range shows frames 10..40 of
  // what it lays out (clip a 0..24, clip b 24..48).
  json off = track("Video", json::array({clip1("x", "x.mov", 0, 100)}));
  off["enabled"] = false;
  json on = track("Video", json::array({clip1("a", "a.mov", 100, 24), clip1("b", "b.mov", 0, 24)}));
  on["source_range"] = range(10, 30, 24);
  Timeline t = parse_ok(timeline(json::array({off, on})));
  ASSERT_EQ(t.clips.size(), 2u);
  EXPECT_EQ(t.clips[0].name, "a");
  EXPECT_EQ(t.clips[0].record_in, 0);
  EXPECT_EQ(t.clips[0].source_in, 110);
  EXPECT_EQ(t.clips[0].source_out, 124);
  EXPECT_EQ(t.clips[1].name, "b");
  EXPECT_EQ(t.clips[1].record_in, 14);
  EXPECT_EQ(t.clips[1].source_in, 0);
  EXPECT_EQ(t.clips[1].source_out, 16);
  EXPECT_EQ(t.duration(), 30);
  EXPECT_TRUE(has_warning(t, "disabled tracks"));
}

}  // namespace
}  // namespace fl::io
