// Segments of one render joined into one clip by copying packets: the joined clip must read
// exactly like the one a single sink writes (frames, count, rate, timecode, audio).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <vector>

#include "io/ffmpeg/ffmpeg_io.h"
#include "test_support.h"

namespace fl::io {
namespace {

namespace fs = std::filesystem;

constexpr int kW = 64, kH = 48;

SinkOptions options_for(int w = kW, int h = kH) {
  SinkOptions o;
  o.width = w;
  o.height = h;
  o.frame_rate = {24, 1};
  o.source.timecode = "01:00:00:00";
  return o;
}

std::vector<Image> patterns(int count, int w = kW, int h = kH) {
  std::vector<Image> out;
  for (int i = 0; i < count; ++i) out.push_back(test::make_pattern(w, h, i));
  return out;
}

Status write_range(const std::string& path, const SinkOptions& o, const std::vector<Image>& frames,
                   size_t begin, size_t end) {
  auto sink = open_ffmpeg_sink(path, o);
  if (!sink.ok()) return sink.status();
  for (size_t i = begin; i < end; ++i) FL_RETURN_IF_ERROR((*sink)->write(frames[i]));
  return (*sink)->finish();
}

// Renders `frames` as consecutive segments of `lengths` frames, as the server does: the same
// options, audio left out.
std::vector<std::string> write_segments(const test::TempDir& dir, const std::string& ext,
                                        SinkOptions o, const std::vector<Image>& frames,
                                        const std::vector<size_t>& lengths) {
  o.audio_source.clear();
  std::vector<std::string> paths;
  size_t begin = 0;
  for (size_t len : lengths) {
    paths.push_back(dir.file("seg" + std::to_string(paths.size()) + ext));
    Status s = write_range(paths.back(), o, frames, begin, begin + len);
    EXPECT_TRUE(s.ok()) << s.to_string();
    begin += len;
  }
  EXPECT_EQ(begin, frames.size());
  return paths;
}

std::vector<Image> read_all(const std::string& path) {
  std::vector<Image> out;
  auto src = open_ffmpeg_source(path, {});
  EXPECT_TRUE(src.ok()) << src.status().to_string();
  if (!src.ok()) return out;
  for (int64_t i = 0; i < (*src)->info().frame_count; ++i) {
    auto f = (*src)->read_frame(i);
    EXPECT_TRUE(f.ok()) << f.status().to_string();
    if (f.ok()) out.push_back(*f);
  }
  return out;
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What ffprobe says about one stream's packets ("v" or "a"), one packet a line.
std::string packets(const std::string& path, const std::string& stream, const std::string& fields,
                    const test::TempDir& scratch) {
  std::string out = scratch.file("packets.txt");
  int rc = test::run("ffprobe -v error -select_streams " + stream +
                     " -show_entries packet=" + fields + " -of csv=p=0 " + path + " > " + out);
  EXPECT_EQ(rc, 0);
  return bytes_of(out);
}

std::vector<int64_t> numbers(const std::string& lines) {
  std::vector<int64_t> out;
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(std::stoll(line));
  return out;
}

struct IntraCase {
  const char* ext;
  std::vector<size_t> lengths;
};

class JoinIntra : public ::testing::TestWithParam<IntraCase> {};

// Intra codecs code each frame alone: segments of any length (one frame too) join into the
// clip one sink writes, frame for frame, and here byte for byte.
TEST_P(JoinIntra, MatchesOneSink) {
  const IntraCase& c = GetParam();
  test::TempDir segs, out;
  SinkOptions o = options_for();
  size_t n = std::accumulate(c.lengths.begin(), c.lengths.end(), size_t(0));
  auto frames = patterns(int(n));
  auto paths = write_segments(segs, c.ext, o, frames, c.lengths);
  std::string whole = out.file(std::string("whole") + c.ext);
  ASSERT_TRUE(write_range(whole, o, frames, 0, n).ok());

  std::string joined = out.file(std::string("joined") + c.ext);
  Status s = join_ffmpeg_segments(paths, joined, o);
  ASSERT_TRUE(s.ok()) << s.to_string();

  auto info = probe_ffmpeg(joined);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->frame_rate, (Rational{24, 1}));
  EXPECT_EQ(info->timecode, "01:00:00:00");
  auto expect = read_all(whole);
  auto back = read_all(joined);
  ASSERT_EQ(expect.size(), n);
  ASSERT_EQ(back.size(), n);
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(test::max_abs_diff(expect[i], back[i]), 0.0) << i;
  const std::string fields = "pts,dts,duration,size,flags";
  EXPECT_EQ(packets(joined, "v", fields, out), packets(whole, "v", fields, out));
  // Matroska's codec private data is read back with the pad byte its writer adds to odd-sized
  // extradata (FFV1's is 201 bytes), so the joined header is one byte different there.
  if (std::string(c.ext) == ".mov") {
    EXPECT_TRUE(bytes_of(joined) == bytes_of(whole)) << c.ext;
  }

  std::string again = out.file(std::string("again") + c.ext);
  ASSERT_TRUE(join_ffmpeg_segments(paths, again, o).ok());
  EXPECT_TRUE(bytes_of(joined) == bytes_of(again));
}

INSTANTIATE_TEST_SUITE_P(Codecs, JoinIntra,
                         ::testing::Values(IntraCase{".mov", {1, 1, 3, 2, 1, 4}},
                                           IntraCase{".mkv", {1, 4, 1, 1, 5}},
                                           IntraCase{".mov", {12}}),
                         [](const auto& info) {
                           return std::string(info.param.ext + 1) + "_" +
                                  std::to_string(info.param.lengths.size());
                         });

// H.264 with B-frames: each segment is its own x264 run, with dts before pts (an edit list in
// mp4) by a delay x264 picks per run: none for a short segment without B-frames, two frames for
// a longer one. Short before long is the case where dts would go backwards at the join.
TEST(JoinSegments, H264InMp4) {
  test::TempDir segs, out;
  SinkOptions o = options_for();
  const std::vector<size_t> lengths = {2, 7, 1, 5, 7};
  const size_t n = 22;
  auto frames = patterns(int(n));
  auto paths = write_segments(segs, ".mp4", o, frames, lengths);
  std::string joined = out.file("joined.mp4");
  Status s = join_ffmpeg_segments(paths, joined, o);
  ASSERT_TRUE(s.ok()) << s.to_string();

  auto info = probe_ffmpeg(joined);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->codec, "h264");
  EXPECT_EQ(info->frame_count, int64_t(n));
  EXPECT_EQ(info->frame_rate, (Rational{24, 1}));
  EXPECT_EQ(info->timecode, "01:00:00:00");
  EXPECT_NEAR(info->duration_seconds, double(n) / 24, 1e-6);

  // The pictures are the segments' own (not re-encoded)...
  std::vector<Image> expect;
  for (const std::string& p : paths)
    for (Image& f : read_all(p)) expect.push_back(f);
  auto back = read_all(joined);
  ASSERT_EQ(expect.size(), n);
  ASSERT_EQ(back.size(), n);
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(test::max_abs_diff(expect[i], back[i]), 0.0) << i;
  // ...and close to one sink's: each segment is a separate x264 run, so bits differ.
  std::string whole = out.file("whole.mp4");
  ASSERT_TRUE(write_range(whole, o, frames, 0, n).ok());
  auto one = read_all(whole);
  ASSERT_EQ(one.size(), n);
  for (size_t i = 0; i < n; ++i) EXPECT_GT(test::psnr(one[i], back[i]), 30) << i;

  // Decode times one frame apart throughout, as in one x264 stream (here exactly the one-sink
  // file's: both decode with x264's two-frame delay); presentation times the same frame grid.
  auto dts = numbers(packets(joined, "v", "dts", out));
  ASSERT_EQ(dts.size(), n);
  for (size_t i = 1; i < n; ++i) EXPECT_EQ(dts[i] - dts[i - 1], dts[1] - dts[0]) << i;
  EXPECT_EQ(dts, numbers(packets(whole, "v", "dts", out)));
  auto pts = numbers(packets(joined, "v", "pts", out));
  std::sort(pts.begin(), pts.end());
  auto whole_pts = numbers(packets(whole, "v", "pts", out));
  std::sort(whole_pts.begin(), whole_pts.end());
  EXPECT_EQ(pts, whole_pts);
  // A keyframe where every segment starts.
  std::string flags = packets(joined, "v", "flags", out);
  std::istringstream lines(flags);
  std::vector<bool> key;
  for (std::string l; std::getline(lines, l);) key.push_back(l.find('K') != std::string::npos);
  ASSERT_EQ(key.size(), n);
  for (size_t i = 0, at = 0; i < lengths.size(); at += lengths[i++]) EXPECT_TRUE(key[at]) << at;

  std::string again = out.file("again.mp4");
  ASSERT_TRUE(join_ffmpeg_segments(paths, again, o).ok());
  EXPECT_TRUE(bytes_of(joined) == bytes_of(again));
}

// The audio of a joined clip is the audio one sink writes over the same frames.
TEST(JoinSegments, AudioMatchesOneSink) {
  const std::string megamind = test::opencv_data("Megamind.avi");
  auto src = open_ffmpeg_source(megamind, {});
  ASSERT_TRUE(src.ok()) << src.status().to_string();
  SinkOptions o = options_for();
  o.frame_rate = (*src)->info().frame_rate;  // 2997/125
  o.source.timecode.clear();
  o.audio_source = megamind;
  o.audio_first_frame = 24;
  auto frames = patterns(30);
  for (const char* ext : {".mov", ".mkv", ".mp4"}) {
    test::TempDir segs, out;
    auto paths = write_segments(segs, ext, o, frames, {10, 1, 12, 7});
    std::string joined = out.file(std::string("joined") + ext);
    Status s = join_ffmpeg_segments(paths, joined, o);
    ASSERT_TRUE(s.ok()) << ext << ": " << s.to_string();
    std::string whole = out.file(std::string("whole") + ext);
    ASSERT_TRUE(write_range(whole, o, frames, 0, frames.size()).ok());

    auto info = probe_ffmpeg(joined);
    ASSERT_TRUE(info.ok());
    EXPECT_TRUE(info->has_audio) << ext;
    EXPECT_EQ(info->audio_codec, "ac3");
    EXPECT_EQ(info->frame_count, 30) << ext;
    std::string a_joined = packets(joined, "a", "pts,duration,size", out);
    std::string a_whole = packets(whole, "a", "pts,duration,size", out);
    EXPECT_FALSE(a_whole.empty());
    EXPECT_EQ(numbers(a_whole).size(), numbers(a_joined).size()) << ext;
    EXPECT_EQ(a_joined, a_whole) << ext;
    // Intra video and the same audio: the very bytes one sink writes (but for Matroska's
    // padded codec private data, see JoinIntra).
    if (std::string(ext) == ".mov") {
      EXPECT_TRUE(bytes_of(joined) == bytes_of(whole)) << ext;
    }
  }
}

void expect_error_naming(const Status& s, ErrorCode code, const std::string& name) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), code) << s.to_string();
  EXPECT_NE(s.message().find(name), std::string::npos) << s.message();
}

TEST(JoinSegments, MissingSegment) {
  test::TempDir segs, out;
  SinkOptions o = options_for();
  auto paths = write_segments(segs, ".mov", o, patterns(4), {2, 2});
  paths.insert(paths.begin() + 1, segs.file("gone.mov"));
  expect_error_naming(join_ffmpeg_segments(paths, out.file("j.mov"), o), ErrorCode::kNotFound,
                      segs.file("gone.mov"));
  EXPECT_TRUE(fs::is_empty(out.path()));
}

TEST(JoinSegments, MismatchedSegmentsAreRefused) {
  test::TempDir segs, out;
  SinkOptions o = options_for();
  auto paths = write_segments(segs, ".mkv", o, patterns(4), {2, 2});
  struct Case {
    const char* name;
    SinkOptions options;
  };
  SinkOptions small = options_for(32, 24);
  SinkOptions h264 = o;
  h264.codec = "libx264";
  SinkOptions rgb8 = o;
  rgb8.pixel_format = "bgr0";
  SinkOptions rate = o;
  rate.frame_rate = {25, 1};
  for (const Case& c : {Case{"small.mkv", small}, Case{"h264.mkv", h264}, Case{"rgb8.mkv", rgb8},
                        Case{"rate.mkv", rate}}) {
    std::string odd = segs.file(c.name);
    ASSERT_TRUE(
        write_range(odd, c.options, patterns(2, c.options.width, c.options.height), 0, 2).ok());
    std::vector<std::string> list = {paths[0], odd, paths[1]};
    // Found after the first segment was copied: the temp file must go too.
    expect_error_naming(join_ffmpeg_segments(list, out.file("j.mkv"), o),
                        ErrorCode::kInvalidArgument, odd);
    EXPECT_TRUE(fs::is_empty(out.path())) << c.name;
  }
}

TEST(JoinSegments, OutputThatCannotBeWritten) {
  test::TempDir segs, out;
  SinkOptions o = options_for();
  auto paths = write_segments(segs, ".mov", o, patterns(2), {1, 1});
  expect_error_naming(join_ffmpeg_segments(paths, out.file("nope/j.mov"), o), ErrorCode::kNotFound,
                      "nope");
  expect_error_naming(join_ffmpeg_segments({}, out.file("j.mov"), o), ErrorCode::kInvalidArgument,
                      "j.mov");
  // Stills are written frame by frame (the dispatch level says so before this one is asked).
  EXPECT_FALSE(join_ffmpeg_segments(paths, out.file("j.png"), o).ok());
  // A container that cannot hold the segments' codec.
  expect_error_naming(join_ffmpeg_segments(paths, out.file("j.webm"), o), ErrorCode::kUnsupported,
                      "j.webm");
  EXPECT_TRUE(fs::is_empty(out.path()));
}

TEST(JoinSegments, UnwritableOutputDirectory) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  test::TempDir segs, out;
  SinkOptions o = options_for();
  auto paths = write_segments(segs, ".mov", o, patterns(2), {1, 1});
  fs::create_directory(out.path() / "ro");
  fs::permissions(out.path() / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  Status s = join_ffmpeg_segments(paths, out.file("ro/j.mov"), o);
  fs::permissions(out.path() / "ro", fs::perms::owner_all);
  expect_error_naming(s, ErrorCode::kPermissionDenied, "ro");
  EXPECT_TRUE(fs::is_empty(out.path() / "ro"));
}

TEST(SegmentAnyFrame, IntraCodecsOnly) {
  SinkOptions o = options_for();
  for (const char* path : {"a.mov", "a.mkv", "a.nut", "a.mxf", "a.avi"}) {
    auto r = ffmpeg_segment_any_frame(path, o);
    ASSERT_TRUE(r.ok()) << path << ": " << r.status().to_string();
    EXPECT_TRUE(*r) << path;
  }
  SinkOptions x265 = o;
  x265.codec = "libx265";
  for (auto [path, opts] : {std::pair{"a.mp4", o}, std::pair{"b.mp4", x265}}) {
    auto r = ffmpeg_segment_any_frame(path, opts);
    ASSERT_TRUE(r.ok()) << path << ": " << r.status().to_string();
    EXPECT_FALSE(*r) << path;
  }
  SinkOptions unknown = o;
  unknown.codec = "no_such_codec";
  EXPECT_EQ(ffmpeg_segment_any_frame("a.weird", o).status().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(ffmpeg_segment_any_frame("a.mkv", unknown).status().code(), ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace fl::io
