// Helpers shared by the EDL and OTIO tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "io/timeline/timeline.h"

namespace fl::io::test {

// Everything but the warnings, which say how a file was read rather than what it holds.
inline void expect_same_edit(const Timeline& a, const Timeline& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.rate, b.rate);
  EXPECT_EQ(a.start, b.start);
  EXPECT_EQ(a.drop_frame, b.drop_frame);
  ASSERT_EQ(a.clips.size(), b.clips.size());
  for (size_t i = 0; i < a.clips.size(); ++i) {
    const TimelineClip &x = a.clips[i], &y = b.clips[i];
    EXPECT_EQ(x.name, y.name) << "clip " << i;
    EXPECT_EQ(x.reel, y.reel) << "clip " << i;
    EXPECT_EQ(x.path, y.path) << "clip " << i;
    EXPECT_EQ(x.source_in, y.source_in) << "clip " << i;
    EXPECT_EQ(x.source_out, y.source_out) << "clip " << i;
    EXPECT_EQ(x.record_in, y.record_in) << "clip " << i;
    EXPECT_EQ(x.cdl, y.cdl) << "clip " << i;
  }
}

inline bool has_warning(const Timeline& t, const std::string& part) {
  for (const std::string& w : t.warnings) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

// A timeline with a leading gap, a gap between clips, a CDL and awkward names and paths.
inline Timeline sample_timeline(Rational rate, bool drop_frame) {
  Timeline t;
  t.name = "reel 1 conform";
  t.rate = rate;
  t.drop_frame = drop_frame;
  t.start = 3600 * 30;
  TimelineClip a;
  a.name = "A001_C003.mov";
  a.reel = "A001";
  a.path = "/footage/day 1/A001 C003 #1%.mov";
  a.source_in = 1800;
  a.source_out = 1900;
  a.record_in = 24;
  TimelineClip b;
  b.name = "B002";
  b.reel = "B002";
  b.path = "/footage/B002.mxf";
  b.source_in = 0;
  b.source_out = 17983;
  b.record_in = 200;
  b.cdl = ClipCdl{{1.1, 0.9, 1.0}, {0.01, -0.02, 0.0}, {1.0, 1.2, 0.8}, 0.85};
  TimelineClip c;
  c.name = "C";
  c.reel = "C";
  c.path = "/footage/c.mov";
  c.source_in = 5;
  c.source_out = 6;
  c.record_in = b.record_out();
  t.clips = {a, b, c};
  return t;
}

}  // namespace fl::io::test
