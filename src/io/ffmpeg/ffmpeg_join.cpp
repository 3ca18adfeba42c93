// join_ffmpeg_segments: clips a render wrote in segments -> one clip, by copying packets (no
// re-encoding). The output is muxed as the sink muxes it (same stream setup, timestamps on the
// same frame grid, the same audio copier), so a joined clip reads like one written in one go.

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/output_path.h"
#include "io/ffmpeg/audio_copy.h"
#include "io/ffmpeg/ffmpeg_common.h"
#include "io/ffmpeg/ffmpeg_encoder_choice.h"
#include "io/ffmpeg/ffmpeg_io.h"

namespace fl::io {
namespace ff {
namespace {

std::string in_quotes(const std::string& s) { return "'" + s + "'"; }

std::string rational_text(AVRational r) {
  return std::to_string(r.num) + "/" + std::to_string(r.den);
}

// One segment's video stream, opened.
struct Segment {
  std::string path;
  InputPtr in;
  AVStream* video = nullptr;
};

Result<Segment> open_segment(const std::string& path) {
  Segment seg;
  seg.path = path;
  int video = -1;
  auto in = open_input(path, &video);
  if (!in.ok()) return in.status().with_context("segment: ");
  seg.in = std::move(in).value();
  seg.video = seg.in->streams[video];
  return seg;
}

// The joined clip is timed by the options' rate (as the sink was): a segment written at another
// rate would be silently retimed.
Status check_rate(const Segment& seg, AVRational rate) {
  AVRational seg_rate = video_frame_rate(seg.in.get(), seg.video);
  if (av_cmp_q(seg_rate, rate) == 0) return ok_status();
  return invalid_argument("segment " + in_quotes(seg.path) + " runs at " + rational_text(seg_rate) +
                              " fps, the options say " + rational_text(rate),
                          "frame_rate");
}

// Packets of streams that disagree cannot be decoded as one stream: refuse, naming what differs.
Status check_matches(const Segment& first, const Segment& seg) {
  const AVCodecParameters* a = first.video->codecpar;
  const AVCodecParameters* b = seg.video->codecpar;
  std::string what;
  if (a->codec_id != b->codec_id) {
    what = std::string("codec ") + avcodec_get_name(b->codec_id) + ", not " +
           avcodec_get_name(a->codec_id);
  } else if (a->profile != b->profile) {
    what = "codec profile " + std::to_string(b->profile) + ", not " + std::to_string(a->profile);
  } else if (a->width != b->width || a->height != b->height) {
    what = "frame size " + std::to_string(b->width) + "x" + std::to_string(b->height) + ", not " +
           std::to_string(a->width) + "x" + std::to_string(a->height);
  } else if (a->format != b->format) {
    const char* fa = av_get_pix_fmt_name(AVPixelFormat(a->format));
    const char* fb = av_get_pix_fmt_name(AVPixelFormat(b->format));
    what = std::string("pixel format ") + (fb ? fb : "unknown") + ", not " + (fa ? fa : "unknown");
  } else if (av_cmp_q(first.video->time_base, seg.video->time_base) != 0) {
    what = "time base " + rational_text(seg.video->time_base) + ", not " +
           rational_text(first.video->time_base);
  } else if (a->extradata_size != b->extradata_size ||
             (a->extradata_size > 0 &&
              std::memcmp(a->extradata, b->extradata, size_t(a->extradata_size)) != 0)) {
    // The first segment's header (H.264 SPS/PPS, FFV1 configuration) describes them all.
    what = "different codec setup (extradata)";
  }
  if (what.empty()) return ok_status();
  return invalid_argument("segment " + in_quotes(seg.path) + " does not match " +
                          in_quotes(first.path) + ": " + what);
}

class Joiner {
 public:
  Joiner(std::string path, const SinkOptions& options)
      : final_path_(std::move(path)),
        temp_path_(temp_path_beside(final_path_)),
        options_(options),
        rate_{options.frame_rate.num, options.frame_rate.den},
        frame_dur_(av_inv_q(rate_)) {}
  // Nothing half-written stays behind, whatever failed.
  ~Joiner() {
    if (!file_created_) return;
    if (out_ && out_->pb) avio_closep(&out_->pb);
    std::remove(temp_path_.c_str());
  }

  Status run(const std::vector<std::string>& segments);

 private:
  std::string where() const { return in_quotes(final_path_) + ": "; }
  // Reads the segment's first packet: it must be a keyframe; returns how many frames its dts
  // runs ahead of its pts (the encoder's reorder delay, 0 without B-frames).
  Result<int64_t> decode_delay(const Segment& seg);
  Status open_output(const Segment& first);
  // `dts_shift`: frames to move this segment's dts back by, so that every segment decodes with
  // the longest delay of them all.
  Status copy_segment(const Segment& seg, int64_t dts_shift);
  Status finish();

  std::string final_path_;
  std::string temp_path_;
  const SinkOptions& options_;
  AVRational rate_;
  AVRational frame_dur_;
  OutputPtr out_;
  AVStream* video_ = nullptr;
  std::unique_ptr<AudioCopy> audio_;
  PacketPtr pkt_;
  int64_t frames_ = 0;  // written so far, over all segments
  int64_t last_dts_ = AV_NOPTS_VALUE;
  bool file_created_ = false;
};

Status Joiner::run(const std::vector<std::string>& segments) {
  init_ffmpeg();
  if (segments.empty()) return invalid_argument(where() + "no segments to join");
  if (rate_.num <= 0 || rate_.den <= 0)
    return invalid_argument(where() + "frame rate must be positive", "frame_rate");
  FL_RETURN_IF_ERROR(check_output_directory(
      std::filesystem::path(final_path_).parent_path().string(), final_path_));
  // A missing segment is found before anything is written or decoded.
  for (const std::string& s : segments)
    FL_RETURN_IF_ERROR(check_readable_file(s).with_context(where() + "segment: "));

  pkt_.reset(av_packet_alloc());
  if (!pkt_) return internal_error(where() + "out of memory");
  auto opened = open_segment(segments[0]);
  if (!opened.ok()) return opened.status().with_context(where());
  const Segment first = std::move(opened).value();

  // First pass, before any output exists: every segment matches the first and starts with a
  // keyframe, and its reorder delay is known. x264 picks the delay per run (a short segment
  // has no B-frames, so none), and a segment with a longer delay than the one before it would
  // start its dts before that one's last. Decoding every segment with the longest delay keeps
  // dts on the frame grid and one frame apart at the joins, as in one x264 stream.
  // One segment open at a time (besides the first): a long render may have thousands.
  std::vector<int64_t> delays;
  int64_t max_delay = 0;
  auto check = [&](const Segment& seg) -> Status {
    FL_RETURN_IF_ERROR(check_matches(first, seg).with_context(where()));
    FL_RETURN_IF_ERROR(check_rate(seg, rate_).with_context(where()));
    FL_ASSIGN_OR_RETURN(int64_t delay, decode_delay(seg));
    delays.push_back(delay);
    max_delay = std::max(max_delay, delay);
    return ok_status();
  };
  FL_RETURN_IF_ERROR(check(first));
  for (size_t i = 1; i < segments.size(); ++i) {
    auto seg = open_segment(segments[i]);
    if (!seg.ok()) return seg.status().with_context(where());
    FL_RETURN_IF_ERROR(check(*seg));
  }

  FL_RETURN_IF_ERROR(open_output(first));
  for (size_t i = 0; i < segments.size(); ++i) {
    auto seg = open_segment(segments[i]);
    if (!seg.ok()) return seg.status().with_context(where());
    FL_RETURN_IF_ERROR(copy_segment(*seg, max_delay - delays[i]));
  }
  return finish();
}

Result<int64_t> Joiner::decode_delay(const Segment& seg) {
  for (;;) {
    int err = av_read_frame(seg.in.get(), pkt_.get());
    if (err == AVERROR_EOF)
      return invalid_argument(where() + "segment " + in_quotes(seg.path) + " has no video frames");
    if (err < 0) return av_status(err, where() + "cannot read segment " + in_quotes(seg.path));
    if (pkt_->stream_index == seg.video->index) break;
    av_packet_unref(pkt_.get());
  }
  // Decoding restarts at each segment: its first packet must decode on its own. First in
  // decode order at the start of a closed GOP, it also has the segment's earliest pts.
  const bool key = pkt_->flags & AV_PKT_FLAG_KEY;
  const int64_t pts = pkt_->pts, dts = pkt_->dts;
  av_packet_unref(pkt_.get());
  if (!key)
    return invalid_argument(where() + "segment " + in_quotes(seg.path) +
                            " does not start with a keyframe");
  if (pts == AV_NOPTS_VALUE && dts == AV_NOPTS_VALUE)
    return corrupt_data(where() + "segment " + in_quotes(seg.path) + " has untimed packets");
  if (pts == AV_NOPTS_VALUE || dts == AV_NOPTS_VALUE) return int64_t(0);
  return std::max<int64_t>(
      0, av_rescale_q_rnd(pts - dts, seg.video->time_base, frame_dur_, AV_ROUND_NEAR_INF));
}

Status Joiner::open_output(const Segment& first) {
  // The muxer follows the final name; the temp name only decides where bytes go.
  AVFormatContext* raw = nullptr;
  int err = avformat_alloc_output_context2(&raw, nullptr, nullptr, final_path_.c_str());
  if (err < 0 || !raw) return unsupported(where() + "no container format for this file name");
  out_.reset(raw);
  // Muxers that write their own files (image2 for stills) cannot go through the temp file.
  if (out_->oformat->flags & AVFMT_NOFILE)
    return unsupported(where() + "container '" + out_->oformat->name +
                       "' writes its own files; only clips are joined");
  // Same segments -> same bytes, as for the sink: no random UIDs or wall-clock dates.
  out_->flags |= AVFMT_FLAG_BITEXACT;
  const AVCodecParameters* in_par = first.video->codecpar;
  if (avformat_query_codec(out_->oformat, in_par->codec_id, FF_COMPLIANCE_NORMAL) == 0)
    return unsupported(where() + "container '" + out_->oformat->name + "' cannot hold codec '" +
                       avcodec_get_name(in_par->codec_id) + "' from " + in_quotes(first.path));
  video_ = avformat_new_stream(out_.get(), nullptr);
  if (!video_) return internal_error(where() + "out of memory");
  err = avcodec_parameters_copy(video_->codecpar, in_par);
  if (err < 0) return av_status(err, where() + "stream parameters");
  // mov keeps the pixel aspect in its container ('pasp'), which its demuxer reports on the
  // stream, not in the codec parameters the sink wrote it from.
  if (video_->codecpar->sample_aspect_ratio.num == 0)
    video_->codecpar->sample_aspect_ratio =
        av_guess_sample_aspect_ratio(first.in.get(), first.video, nullptr);
  // The codec tag (mov's 'apch' vs 'ap4h', 'avc1') is kept where this container knows it.
  unsigned tag = video_->codecpar->codec_tag;
  if (tag && out_->oformat->codec_tag &&
      av_codec_get_id(out_->oformat->codec_tag, tag) != in_par->codec_id)
    video_->codecpar->codec_tag = 0;
  // The time base the sink asks for, so the muxer picks the same one it picked for the sink.
  video_->time_base = frame_dur_;
  video_->avg_frame_rate = rate_;
  video_->r_frame_rate = rate_;

  std::string timecode = describe_media(first.in.get(), first.video->index, first.path).timecode;
  if (!timecode.empty()) {
    // Both places, as the sink does: mov/mp4 build their tmcd track from either, mxf and mkv
    // read one or the other.
    av_dict_set(&out_->metadata, "timecode", timecode.c_str(), 0);
    av_dict_set(&video_->metadata, "timecode", timecode.c_str(), 0);
  }
  if (!options_.audio_source.empty()) {
    FL_ASSIGN_OR_RETURN(audio_, AudioCopy::open(options_.audio_source, options_.audio_first_frame,
                                                options_.frame_rate, out_.get(), where()));
  }

  err = avio_open(&out_->pb, temp_path_.c_str(), AVIO_FLAG_WRITE);
  if (err < 0) return av_status(err, where() + "cannot create " + in_quotes(temp_path_));
  file_created_ = true;
  err = avformat_write_header(out_.get(), nullptr);
  if (err < 0) return av_status(err, where() + "cannot write the container header");
  return ok_status();
}

Status Joiner::copy_segment(const Segment& seg, int64_t dts_shift) {
  const AVRational in_tb = seg.video->time_base;
  const AVRational out_tb = video_->time_base;  // the muxer's, now that the header is written
  const auto rnd = AVRounding(AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX);
  // Timestamps go through frame numbers: segment-local frame n of a segment starting at output
  // frame F becomes F + n, rounded into the output time base exactly as the sink rounds frame
  // F + n. Adding time-base offsets instead would drift by a tick where a frame is not a whole
  // number of ticks (Matroska's 1 ms at 24 fps).
  auto to_output = [&](int64_t ts, int64_t origin, int64_t first_frame) {
    if (ts == AV_NOPTS_VALUE) return ts;
    int64_t local = av_rescale_q_rnd(ts - origin, in_tb, frame_dur_, rnd);
    return av_rescale_q_rnd(first_frame + local, frame_dur_, out_tb, rnd);
  };
  const int64_t first_frame = frames_;
  int64_t origin = AV_NOPTS_VALUE;
  int64_t count = 0;
  for (;;) {
    int err = av_read_frame(seg.in.get(), pkt_.get());
    if (err == AVERROR_EOF) break;
    if (err < 0) return av_status(err, where() + "cannot read segment " + in_quotes(seg.path));
    if (pkt_->stream_index != seg.video->index) {  // a tmcd track, stray audio: not copied
      av_packet_unref(pkt_.get());
      continue;
    }
    // The first packet (a keyframe, checked in the first pass) has the segment's earliest pts.
    if (count == 0) origin = pkt_->pts != AV_NOPTS_VALUE ? pkt_->pts : pkt_->dts;
    int64_t pts = to_output(pkt_->pts, origin, first_frame);
    int64_t dts = to_output(pkt_->dts, origin, first_frame - dts_shift);
    if (dts != AV_NOPTS_VALUE && last_dts_ != AV_NOPTS_VALUE && dts <= last_dts_) {
      // A safety net: with every segment at the longest delay, dts one frame apart (x264's)
      // never get here. Ones that are not: move on by a tick, finer than a frame.
      dts = last_dts_ + 1;
      if (pts != AV_NOPTS_VALUE && dts > pts)
        return corrupt_data(where() + "segment " + in_quotes(seg.path) +
                            ": decode timestamps cannot stay in order across the join");
    }
    if (dts != AV_NOPTS_VALUE) last_dts_ = dts;
    int64_t dur_frames =
        pkt_->duration > 0 ? av_rescale_q_rnd(pkt_->duration, in_tb, frame_dur_, rnd) : 1;
    pkt_->pts = pts;
    pkt_->dts = dts;
    pkt_->duration = av_rescale_q(std::max<int64_t>(dur_frames, 1), frame_dur_, out_tb);
    pkt_->stream_index = video_->index;
    pkt_->pos = -1;
    err = av_interleaved_write_frame(out_.get(), pkt_.get());  // takes the packet's reference
    if (err < 0)
      return av_status(err, where() + "cannot write video from segment " + in_quotes(seg.path));
    ++count;
    ++frames_;
    // Audio follows the video as the sink copies it: everything that starts before this frame
    // ends.
    if (audio_) FL_RETURN_IF_ERROR(audio_->copy_until(double(frames_) * av_q2d(frame_dur_)));
  }
  if (count == 0)  // it had one in the first pass
    return corrupt_data(where() + "segment " + in_quotes(seg.path) + " changed while joining");
  return ok_status();
}

Status Joiner::finish() {
  if (audio_) FL_RETURN_IF_ERROR(audio_->copy_until(double(frames_) * av_q2d(frame_dur_)));
  int err = av_write_trailer(out_.get());
  if (err < 0) return av_status(err, where() + "cannot finish the container");
  err = avio_closep(&out_->pb);
  if (err < 0) return av_status(err, where() + "cannot close " + in_quotes(temp_path_));
  if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0)
    return io_error(where() + "cannot rename " + in_quotes(temp_path_) +
                    " into place: " + std::strerror(errno));
  file_created_ = false;
  return ok_status();
}

}  // namespace
}  // namespace ff

Status join_ffmpeg_segments(const std::vector<std::string>& segments, const std::string& path,
                            const SinkOptions& options) {
  ff::Joiner joiner(path, options);
  return joiner.run(segments);
}

Result<bool> ffmpeg_segment_any_frame(const std::string& path, const SinkOptions& options) {
  ff::init_ffmpeg();
  FL_ASSIGN_OR_RETURN(ff::EncoderChoice choice, ff::choose_encoder(path, options));
  // What open_sink() checks next, so a path it refuses is refused here too.
  const AVOutputFormat* format = av_guess_format(nullptr, path.c_str(), nullptr);
  if (!format) return unsupported("'" + path + "': no container format for this file name");
  if (avformat_query_codec(format, choice.codec->id, FF_COMPLIANCE_NORMAL) == 0)
    return unsupported("'" + path + "': container '" + format->name + "' cannot hold codec '" +
                       choice.codec->name + "'");
  const AVCodecDescriptor* desc = avcodec_descriptor_get(choice.codec->id);
  if (desc && (desc->props & AV_CODEC_PROP_INTRA_ONLY)) return true;
  // libav does not flag FFV1 intra-only (it can carry state from frame to frame), but a GOP of
  // one (our FFV1 default, or g=1 asked of any encoder) makes every frame a keyframe.
  auto g = choice.options.find("g");
  return g != choice.options.end() && std::strtol(g->second.c_str(), nullptr, 10) == 1;
}

}  // namespace fl::io
