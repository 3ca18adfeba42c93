// FfmpegSink: linear float frames -> an encoded clip, written to a hidden temp file beside the
// final one and renamed on finish(), so a reader never sees a half-written clip.

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

extern "C" {
#include <libavutil/opt.h>
#include <libavutil/timecode.h>
}

#include "core/output_path.h"
#include "io/ffmpeg/audio_copy.h"
#include "io/ffmpeg/ffmpeg_common.h"
#include "io/ffmpeg/ffmpeg_convert.h"
#include "io/ffmpeg/ffmpeg_encoder_choice.h"
#include "io/ffmpeg/ffmpeg_io.h"

namespace fl::io {
namespace ff {
namespace {

class FfmpegSink final : public FrameSink {
 public:
  FfmpegSink(std::string path, SinkOptions options)
      : final_path_(std::move(path)),
        temp_path_(temp_path_beside(final_path_)),
        options_(std::move(options)) {}
  ~FfmpegSink() override { abort(); }

  Status open();
  Status write(const Image& frame) override;
  bool writes_rgb48() const override { return true; }
  colour::Transfer transfer() const override { return options_.transfer; }
  Status write_rgb48(const Rgb48Image& frame) override;
  Status finish() override;
  void abort() override;
  std::string temp_path() const override { return temp_path_; }

 private:
  std::string where() const { return "'" + final_path_ + "': "; }
  Status open_video(const EncoderChoice& choice);
  Status open_audio();
  Status encode(const AVFrame* frame);
  // Checks the frame size and state; returns a writable frame for the encoder's format.
  Result<AVFrame*> next_frame(int width, int height);
  // Encodes frame_ (filled by a converter) and copies the audio that goes with it.
  Status send_frame();
  // Copies audio packets that start before `end_seconds` (output time).
  Status copy_audio_until(double end_seconds) {
    return audio_ ? audio_->copy_until(end_seconds) : ok_status();
  }
  Status fail(Status s) {
    failed_ = s;
    abort();
    return s;
  }

  std::string final_path_;
  std::string temp_path_;
  SinkOptions options_;
  OutputPtr out_;
  CodecContextPtr enc_;
  AVStream* video_ = nullptr;
  PacketPtr pkt_;
  std::unique_ptr<ImageToFrame> converter_;
  std::unique_ptr<Rgb48ToFrame> rgb48_converter_;  // made on the first write_rgb48()
  // Frames sent to the encoder, reused once it lets go of them (frame-threaded encoders hold
  // one per thread): at 4K a fresh 10-bit frame is a 33 MB mmap and its page faults.
  std::vector<FramePtr> frames_ring_;
  AVFrame* frame_ = nullptr;  // the one being filled
  int64_t frames_ = 0;
  bool repair_dts_ = false;
  int64_t last_dts_ = AV_NOPTS_VALUE;
  bool file_created_ = false;
  bool finished_ = false;
  Status failed_;
  std::unique_ptr<AudioCopy> audio_;  // null without an audio source
};

Status FfmpegSink::open() {
  init_ffmpeg();
  if (options_.width <= 0 || options_.height <= 0)
    return invalid_argument(where() + "frame size " + std::to_string(options_.width) + "x" +
                            std::to_string(options_.height) + " is not valid");
  if (options_.frame_rate.num <= 0 || options_.frame_rate.den <= 0)
    return invalid_argument(where() + "frame rate must be positive", "frame_rate");
  FL_RETURN_IF_ERROR(check_output_directory(
      std::filesystem::path(final_path_).parent_path().string(), final_path_));
  FL_ASSIGN_OR_RETURN(EncoderChoice choice, choose_encoder(final_path_, options_));

  // The muxer follows the final name; the temp name only decides where bytes go.
  AVFormatContext* raw = nullptr;
  int err = avformat_alloc_output_context2(&raw, nullptr, nullptr, final_path_.c_str());
  if (err < 0 || !raw) return unsupported(where() + "no container format for this file name");
  out_.reset(raw);
  // Same graph + same media -> same bytes: no random UIDs or wall-clock dates in the container.
  out_->flags |= AVFMT_FLAG_BITEXACT;
  if (avformat_query_codec(out_->oformat, choice.codec->id, FF_COMPLIANCE_NORMAL) == 0)
    return unsupported(where() + "container '" + out_->oformat->name + "' cannot hold codec '" +
                       choice.codec->name + "'");
  pkt_.reset(av_packet_alloc());
  if (!pkt_) return internal_error(where() + "out of memory");

  FL_RETURN_IF_ERROR(open_video(choice));
  FL_RETURN_IF_ERROR(open_audio());

  err = avio_open(&out_->pb, temp_path_.c_str(), AVIO_FLAG_WRITE);
  if (err < 0) {
    Status s = av_status(err, where() + "cannot create '" + temp_path_ + "'");
    return s;
  }
  file_created_ = true;
  err = avformat_write_header(out_.get(), nullptr);
  if (err < 0) return fail(av_status(err, where() + "cannot write the container header"));
  return ok_status();
}

Status FfmpegSink::open_video(const EncoderChoice& choice) {
  video_ = avformat_new_stream(out_.get(), nullptr);
  enc_.reset(avcodec_alloc_context3(choice.codec));
  if (!video_ || !enc_) return internal_error(where() + "out of memory");

  AVRational rate{options_.frame_rate.num, options_.frame_rate.den};
  enc_->width = options_.width;
  enc_->height = options_.height;
  enc_->pix_fmt = choice.pixel_format;
  enc_->time_base = av_inv_q(rate);
  enc_->framerate = rate;
  enc_->sample_aspect_ratio = AVRational{1, 1};
  enc_->thread_count = 0;
  // Intra-only encoders: frame threads where the encoder has them (ProRes, DNxHD): each thread
  // encodes a whole frame, with no barrier at the end of every frame as slice threads have, and
  // the bytes are the same. Slice threads otherwise (FFV1).
  const AVCodecDescriptor* desc = avcodec_descriptor_get(choice.codec->id);
  if (desc && (desc->props & AV_CODEC_PROP_INTRA_ONLY)) {
    if (choice.codec->capabilities & AV_CODEC_CAP_FRAME_THREADS)
      enc_->thread_type = FF_THREAD_FRAME;
    else if (choice.codec->capabilities & AV_CODEC_CAP_SLICE_THREADS)
      enc_->thread_type = FF_THREAD_SLICE;
  }
  ColourTags tags = choose_colour_tags(options_, choice);
  enc_->color_primaries = tags.primaries;
  enc_->color_trc = tags.transfer;
  enc_->colorspace = tags.matrix;
  enc_->color_range = tags.range;
  if (out_->oformat->flags & AVFMT_GLOBALHEADER) enc_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  enc_->flags |= AV_CODEC_FLAG_BITEXACT;

  AVDictionary* raw_opts = nullptr;
  for (const auto& [k, v] : choice.options) av_dict_set(&raw_opts, k.c_str(), v.c_str(), 0);
  std::unique_ptr<AVDictionary, DictionaryDeleter> opts(raw_opts);
  int err = avcodec_open2(enc_.get(), choice.codec, &raw_opts);
  opts.release();
  opts.reset(raw_opts);  // avcodec_open2 replaced it with the entries it did not use
  if (err < 0)
    return invalid_argument(where() + "cannot open encoder '" + choice.codec->name + "' (" +
                            av_get_pix_fmt_name(choice.pixel_format) + ", " +
                            std::to_string(options_.width) + "x" + std::to_string(options_.height) +
                            "): " + av_error_text(err));
  if (const AVDictionaryEntry* e = av_dict_get(opts.get(), "", nullptr, AV_DICT_IGNORE_SUFFIX))
    return invalid_argument(
        where() + "encoder '" + choice.codec->name + "' has no option '" + e->key + "'",
        "codec_options." + std::string(e->key));

  repair_dts_ = std::string(choice.codec->name) == "libx265";
  err = avcodec_parameters_from_context(video_->codecpar, enc_.get());
  if (err < 0) return av_status(err, where() + "stream parameters");
  video_->time_base = enc_->time_base;
  video_->avg_frame_rate = rate;
  video_->r_frame_rate = rate;

  if (!options_.source.timecode.empty()) {
    AVTimecode tc;
    const std::string& s = options_.source.timecode;
    if (av_timecode_init_from_string(&tc, rate, s.c_str(), out_.get()) < 0)
      return invalid_argument(where() + "timecode '" + s + "' is not valid at " +
                              std::to_string(rate.num) + "/" + std::to_string(rate.den) + " fps");
    // Both places: mov/mp4 build their tmcd track from either, mxf and mkv read one or the other.
    av_dict_set(&out_->metadata, "timecode", s.c_str(), 0);
    av_dict_set(&video_->metadata, "timecode", s.c_str(), 0);
  }

  converter_ = std::make_unique<ImageToFrame>(
      options_.width, options_.height, enc_->pix_fmt, enc_->colorspace,
      enc_->color_range == AVCOL_RANGE_JPEG, options_.transfer);
  return converter_->init().with_context(where());
}

Status FfmpegSink::open_audio() {
  if (options_.audio_source.empty()) return ok_status();
  // The segment join copies audio with the same class, so a joined clip's is exactly this.
  FL_ASSIGN_OR_RETURN(audio_, AudioCopy::open(options_.audio_source, options_.audio_first_frame,
                                              options_.frame_rate, out_.get(), where()));
  return ok_status();
}

Status FfmpegSink::encode(const AVFrame* frame) {
  int err = avcodec_send_frame(enc_.get(), frame);
  if (err < 0) return av_status(err, where() + "encoder rejected frame " + std::to_string(frames_));
  for (;;) {
    err = avcodec_receive_packet(enc_.get(), pkt_.get());
    if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return ok_status();
    if (err < 0) return av_status(err, where() + "encoding failed");
    // Every frame lasts one frame period; muxers that derive the duration from the last
    // packet's end (NUT, Matroska) need it to count the last frame.
    if (pkt_->duration <= 0) pkt_->duration = 1;
    if (repair_dts_) {
      // libx265 in FFmpeg 5.1 hands out an uninitialised dts now and then (seen with x265 3.5).
      // A dts is believable when it is after the last one, not after its pts and not absurdly
      // early; otherwise the next one in line is the right value for a reorder depth we trust.
      int64_t dts = pkt_->dts;
      bool believable = dts != AV_NOPTS_VALUE && pkt_->pts != AV_NOPTS_VALUE && dts <= pkt_->pts &&
                        dts > last_dts_ && dts >= pkt_->pts - 64;
      if (!believable) {
        dts = last_dts_ != AV_NOPTS_VALUE ? last_dts_ + 1 : pkt_->pts - enc_->has_b_frames;
        if (pkt_->pts != AV_NOPTS_VALUE) dts = std::min(dts, pkt_->pts);
        pkt_->dts = dts;
      }
      last_dts_ = pkt_->dts;
    }
    av_packet_rescale_ts(pkt_.get(), enc_->time_base, video_->time_base);
    pkt_->stream_index = video_->index;
    err = av_interleaved_write_frame(out_.get(), pkt_.get());
    if (err < 0) return av_status(err, where() + "cannot write video");
  }
}

Result<AVFrame*> FfmpegSink::next_frame(int width, int height) {
  if (!failed_.ok()) return failed_;
  if (finished_ || !file_created_)
    return invalid_argument(where() + "write after finish() or abort()");
  if (width != options_.width || height != options_.height)
    return invalid_argument(where() + "frame " + std::to_string(frames_) + " is " +
                            std::to_string(width) + "x" + std::to_string(height) + ", expected " +
                            std::to_string(options_.width) + "x" + std::to_string(options_.height));
  frame_ = nullptr;
  for (auto& f : frames_ring_)
    if (av_frame_is_writable(f.get())) {
      frame_ = f.get();
      break;
    }
  if (!frame_) {
    FramePtr fresh(av_frame_alloc());
    if (!fresh) return fail(internal_error(where() + "out of memory"));
    AVFrame* frame = fresh.get();
    frame->width = options_.width;
    frame->height = options_.height;
    frame->format = enc_->pix_fmt;
    frame->color_primaries = enc_->color_primaries;
    frame->color_trc = enc_->color_trc;
    frame->colorspace = enc_->colorspace;
    frame->color_range = enc_->color_range;
    int err = av_frame_get_buffer(frame, 0);
    if (err < 0) return fail(av_status(err, where() + "frame buffer"));
    // Encoders with long delays (x264 lookahead) hold many: past a few, let them go.
    constexpr size_t kMaxKept = 8;
    if (frames_ring_.size() >= kMaxKept) frames_ring_.erase(frames_ring_.begin());
    frames_ring_.push_back(std::move(fresh));
    frame_ = frame;
  }
  return frame_;
}

Status FfmpegSink::send_frame() {
  frame_->pts = frames_;
  if (Status s = encode(frame_); !s.ok()) return fail(s);
  ++frames_;
  Status s = copy_audio_until(double(frames_) * options_.frame_rate.den / options_.frame_rate.num);
  return s.ok() ? s : fail(s);
}

Status FfmpegSink::write(const Image& image) {
  FL_ASSIGN_OR_RETURN(AVFrame * frame, next_frame(image.width(), image.height()));
  if (Status s = converter_->convert(image, frame); !s.ok()) return fail(s.with_context(where()));
  return send_frame();
}

Status FfmpegSink::write_rgb48(const Rgb48Image& image) {
  FL_ASSIGN_OR_RETURN(AVFrame * frame, next_frame(image.width(), image.height()));
  if (!rgb48_converter_) {
    rgb48_converter_ =
        std::make_unique<Rgb48ToFrame>(options_.width, options_.height, enc_->pix_fmt,
                                       enc_->colorspace, enc_->color_range == AVCOL_RANGE_JPEG);
    if (Status s = rgb48_converter_->init(); !s.ok()) return fail(s.with_context(where()));
  }
  if (Status s = rgb48_converter_->convert(image, frame); !s.ok())
    return fail(s.with_context(where()));
  return send_frame();
}

Status FfmpegSink::finish() {
  if (!failed_.ok()) return failed_;
  if (finished_) return ok_status();
  if (!file_created_) return invalid_argument(where() + "finish() after abort()");
  if (Status s = encode(nullptr); !s.ok()) return fail(s);  // drain delayed frames
  double duration = double(frames_) * options_.frame_rate.den / options_.frame_rate.num;
  if (Status s = copy_audio_until(duration); !s.ok()) return fail(s);
  int err = av_write_trailer(out_.get());
  if (err < 0) return fail(av_status(err, where() + "cannot finish the container"));
  err = avio_closep(&out_->pb);
  if (err < 0) return fail(av_status(err, where() + "cannot close '" + temp_path_ + "'"));
  if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0)
    return fail(io_error(where() + "cannot rename '" + temp_path_ +
                         "' into place: " + std::strerror(errno)));
  finished_ = true;
  file_created_ = false;
  return ok_status();
}

void FfmpegSink::abort() {
  if (finished_ || !file_created_) return;
  if (out_ && out_->pb) avio_closep(&out_->pb);
  std::remove(temp_path_.c_str());
  file_created_ = false;
}

}  // namespace
}  // namespace ff

Result<std::unique_ptr<FrameSink>> open_ffmpeg_sink(const std::string& path,
                                                    const SinkOptions& options) {
  auto sink = std::make_unique<ff::FfmpegSink>(path, options);
  if (Status s = sink->open(); !s.ok()) return s;  // the destructor removes any temp file
  return std::unique_ptr<FrameSink>(std::move(sink));
}

}  // namespace fl::io
