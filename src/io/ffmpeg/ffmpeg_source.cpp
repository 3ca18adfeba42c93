// FfmpegSource: frame-accurate random access over anything libavformat demuxes.
//
// Frames are numbered by presentation time: index = (best_effort_timestamp - origin) * fps, where
// origin is the timestamp of the first frame decoded from the start of the stream. Measuring
// from the first *decoded* frame rather than the stream's start_time absorbs the decoder delay
// that AVI's dts-only timestamps carry (packed B-frames label frame 0 with dts 1). Frames without
// any timestamp are counted from the previous one; when even that is unknown (just after a seek)
// we rewind to the start and count, which is slow but exact.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "io/ffmpeg/ffmpeg_common.h"
#include "io/ffmpeg/ffmpeg_convert.h"
#include "io/ffmpeg/ffmpeg_io.h"

extern "C" {
#include <libavutil/imgutils.h>
}

namespace fl::io {
namespace ff {
namespace {

// Forward jumps this short decode through instead of seeking: a seek lands on the keyframe before
// the target and decodes up to it anyway, so for short hops it can only cost more.
constexpr int64_t kMaxForwardDecode = 8;
// How far before the target successive seek attempts aim when the demuxer's seek lands past it
// (imprecise indexes, open GOPs). After the last one we rewind to the start.
constexpr int64_t kSeekBackoff[] = {0, 16, 64, 256};

// A decoded frame held by reference (the decoder's pool gives the next frame another buffer).
// Each read makes its own scaler, so reads from several threads do not share one.
class HeldFrame final : public DecodedFrame {
 public:
  HeldFrame(FramePtr frame, std::string where)
      : frame_(std::move(frame)), where_(std::move(where)) {}
  int width() const override { return frame_->width; }
  int height() const override { return frame_->height; }
  Status read_bgr8(const Rect& region, int out_width, int out_height, uint8_t* out,
                   size_t stride) const override {
    FrameToBgr24 converter;
    return converter.convert(frame_.get(), region, out_width, out_height, out, stride)
        .with_context(where_);
  }

 private:
  FramePtr frame_;
  std::string where_;
};

class FfmpegSource final : public FrameSource {
 public:
  FfmpegSource(std::string path, InputPtr fmt, int video, MediaInfo info, colour::Transfer transfer)
      : path_(std::move(path)),
        info_(std::move(info)),
        transfer_(transfer),
        converter_(transfer),
        fmt_(std::move(fmt)),
        video_(video) {}

  Status open(int codec_threads) {
    st_ = fmt_->streams[video_];
    rate_ = video_frame_rate(fmt_.get(), st_);
    start_ts_ = st_->start_time != AV_NOPTS_VALUE ? st_->start_time : 0;

    const AVCodec* codec = avcodec_find_decoder(st_->codecpar->codec_id);
    if (!codec) return unsupported(where() + "unsupported codec '" + info_.codec + "'");
    dec_.reset(avcodec_alloc_context3(codec));
    pkt_.reset(av_packet_alloc());
    if (!dec_ || !pkt_) return internal_error(where() + "out of memory");
    int err = avcodec_parameters_to_context(dec_.get(), st_->codecpar);
    if (err < 0) return av_status(err, where() + "decoder parameters");
    dec_->pkt_timebase = st_->time_base;
    // libavcodec's own threads (the renderer's pool never runs inside the decoder), as many as
    // the caller's budget allows; 0 lets libavcodec choose.
    dec_->thread_count = std::max(0, codec_threads);
    dec_->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    err = avcodec_open2(dec_.get(), codec, nullptr);
    if (err < 0)
      return unsupported(where() + "cannot open decoder for codec '" + info_.codec +
                         "': " + av_error_text(err));

    // Decode frame 0 now: it pins the timestamp origin and fails damaged clips at open.
    next_index_ = 0;
    FramePtr first;
    int64_t index = -1;
    FL_ASSIGN_OR_RETURN(bool got, decode_next(first, &index, /*at_open=*/true));
    if (!got) return corrupt_data(where() + "no decodable video frame");
    origin_ts_ = first->best_effort_timestamp;
    if (st_->nb_frames <= 0) {
      first.reset();          // its buffer serves the frames read at the end
      measure_frame_count();  // moves the demuxer; the first read seeks back
      return ok_status();
    }
    pending_ = std::move(first);
    pending_index_ = 0;
    position_ = 0;
    return ok_status();
  }

  const MediaInfo& info() const override { return info_; }
  colour::Transfer transfer() const override { return transfer_; }

  Result<Image> read_frame(int64_t n) override {
    if (n == last_index_) return last_image_;
    FL_ASSIGN_OR_RETURN(const AVFrame* frame, decoded(n));
    auto image = converter_.convert(frame);
    if (!image.ok()) return image.status().with_context(where(n));
    last_image_ = *image;
    last_index_ = n;
    return image;
  }

  bool reads_rgb48() const override { return !info_.has_alpha; }
  Result<Rgb48Image> read_frame_rgb48(int64_t n) override {
    FL_ASSIGN_OR_RETURN(const AVFrame* frame, decoded(n));
    if (std::optional<Rgb48Image> adopted = adopt_rgb48()) return std::move(*adopted);
    auto image = rgb48_converter_.convert(frame);
    if (!image.ok()) return image.status().with_context(where(n));
    return image;
  }

  bool reads_decoded() const override { return true; }
  Result<std::shared_ptr<const DecodedFrame>> read_decoded(int64_t n) override {
    FL_ASSIGN_OR_RETURN(const AVFrame* frame, decoded(n));
    FramePtr held(av_frame_clone(frame));
    if (!held) return internal_error(where(n) + "out of memory");
    return std::shared_ptr<const DecodedFrame>(
        std::make_shared<HeldFrame>(std::move(held), where(n)));
  }

 private:
  // The decoded frame n (kept until the next call).
  Result<const AVFrame*> decoded(int64_t n) {
    if (n < 0 || (info_.frame_count > 0 && n >= info_.frame_count))
      return invalid_argument(where() + "frame " + std::to_string(n) +
                              " is out of range (clip has " + std::to_string(info_.frame_count) +
                              " frames)");
    if (current_ && current_index_ == n) return current_.get();
    current_.reset();
    Result<FramePtr> found = locate(n);
    if (!found.ok()) {
      forget_position();  // whatever state decoding was left in, the next read re-seeks
      return found.status();
    }
    const AVFrame* frame = found->get();
    if (frame->decode_error_flags || (frame->flags & AV_FRAME_FLAG_CORRUPT))
      return corrupt_data(where(n) + "decoded with errors (damaged data)");
    current_ = std::move(*found);
    current_index_ = n;
    return current_.get();
  }

  // A decoder that already gives packed 16-bit RGB (raw rgb48 in NUT or MOV) hands its frame
  // over: the image takes the decoded frame itself, as `ffmpeg -f null` passes it on, instead of
  // a 50 MB copy per 4K frame. Only when the frame's buffer is then the image's alone (the
  // renderer writes into the images it reads: code maps, frame stages); a re-read of the same
  // frame decodes it again. (Demuxed packets are 16-byte aligned, not 64 like the pool's
  // buffers; no kernel here uses aligned loads.)
  std::optional<Rgb48Image> adopt_rgb48() {
    const AVFrame* f = current_.get();
    if (!f || f->format != AV_PIX_FMT_RGB48 || !f->buf[0] || f->buf[1] ||
        f->linesize[0] != f->width * 6 ||
        reinterpret_cast<uintptr_t>(f->data[0]) % alignof(uint16_t) != 0 ||
        f->width != info_.width || f->height != info_.height)
      return std::nullopt;
    // The source's own reference goes first: the image's must be the only one.
    FramePtr owned = std::move(current_);
    const int64_t index = std::exchange(current_index_, -1);
    if (!av_buffer_is_writable(owned->buf[0])) {
      current_ = std::move(owned);  // shared with the decoder: copied by the converter instead
      current_index_ = index;
      return std::nullopt;
    }
    AVFrame* raw = owned.release();
    std::shared_ptr<uint16_t[]> pixels(reinterpret_cast<uint16_t*>(raw->data[0]), [raw](uint16_t*) {
      AVFrame* done = raw;
      av_frame_free(&done);
    });
    return Rgb48Image(raw->width, raw->height, std::move(pixels));
  }

  std::string where() const { return "'" + path_ + "': "; }
  std::string where(int64_t n) const { return where() + "frame " + std::to_string(n) + ": "; }

  bool can_decode_forward_to(int64_t n) const {
    if (pending_) return pending_index_ <= n;
    return position_ >= 0 && !decoder_eof_ && n > position_ && n - position_ <= kMaxForwardDecode;
  }

  Result<FramePtr> locate(int64_t n) {
    if (can_decode_forward_to(n)) {
      FL_ASSIGN_OR_RETURN(auto found, decode_forward(n));
      if (found.first) return std::move(found.first);
    }
    for (int64_t backoff : kSeekBackoff) {
      if (n - backoff <= 0) break;
      if (!seek_near(n - backoff)) break;  // the demuxer cannot seek: rewind instead
      FL_ASSIGN_OR_RETURN(auto found, decode_forward(n));
      if (found.first) return std::move(found.first);
      if (!found.second) break;  // timestamps unknown after the seek: count from the start
    }
    FL_RETURN_IF_ERROR(rewind(false));
    FL_ASSIGN_OR_RETURN(auto found, decode_forward(n));
    if (found.first) return std::move(found.first);
    if (found.second) {
      // Decoding "from the start" began past n: the demuxer's seek missed the first keyframe
      // (MPEG-TS seeks by dts). Reopening is slower but certain.
      FL_RETURN_IF_ERROR(rewind(true));
      FL_ASSIGN_OR_RETURN(found, decode_forward(n));
      if (found.first) return std::move(found.first);
    }
    return corrupt_data(where(n) + "cannot be located in the stream (broken timestamps?)");
  }

  // Decodes from the current position up to frame n. Returns {frame n, true} when found;
  // {null, true} when decoding started past n (seek further back); {null, false} when the
  // position is unknown (no timestamps) and only a rewind can help. Errors end the stream.
  Result<std::pair<FramePtr, bool>> decode_forward(int64_t n) {
    FramePtr prev;
    int64_t prev_index = -1;
    for (;;) {
      FramePtr frame;
      int64_t index = -1;
      if (pending_) {
        frame = std::move(pending_);
        index = pending_index_;
      } else {
        FL_ASSIGN_OR_RETURN(bool got, decode_next(frame, &index, false));
        if (!got) {
          // Nothing at all after a seek: the demuxer landed at the very end; seek earlier.
          if (!prev && position_ < 0 && !at_start_) return std::pair<FramePtr, bool>{nullptr, true};
          if (info_.frame_count > 0)
            return corrupt_data(where(n) + "stream ended after frame " + std::to_string(position_) +
                                " of " + std::to_string(info_.frame_count) +
                                " (truncated or damaged file)");
          return invalid_argument(where() + "frame " + std::to_string(n) +
                                  " is out of range (clip has " + std::to_string(position_ + 1) +
                                  " frames)");
        }
      }
      if (index < 0) return std::pair<FramePtr, bool>{nullptr, false};
      position_ = index;
      if (index == n) return std::pair<FramePtr, bool>{std::move(frame), true};
      if (index > n) {
        if (!prev) {
          // Started past the target: give this frame back and let the caller seek earlier.
          pending_ = std::move(frame);
          pending_index_ = index;
          return std::pair<FramePtr, bool>{nullptr, true};
        }
        // A gap in the timestamps (variable frame rate, dropped frame): the frame on screen at
        // n is the previous one, as a player (or ffmpeg -vsync cfr) would show it.
        pending_ = std::move(frame);
        pending_index_ = index;
        position_ = prev_index;
        return std::pair<FramePtr, bool>{std::move(prev), true};
      }
      prev = std::move(frame);
      prev_index = index;
    }
  }

  // The next frame in presentation order. false at the end of the stream.
  Result<bool> decode_next(FramePtr& out, int64_t* index, bool at_open) {
    out.reset(av_frame_alloc());
    if (!out) return internal_error(where() + "out of memory");
    for (;;) {
      int err = avcodec_receive_frame(dec_.get(), out.get());
      if (err == 0) break;
      if (err == AVERROR_EOF) {
        decoder_eof_ = true;
        return false;
      }
      if (err != AVERROR(EAGAIN)) return decode_error(err, at_open);
      if (demux_eof_) return false;  // drained; receive_frame should have said EOF

      err = av_read_frame(fmt_.get(), pkt_.get());
      if (err == AVERROR_EOF || (err < 0 && fmt_->pb && avio_feof(fmt_->pb))) {
        // The end (or a read error at the end of a truncated file): drain the decoder. A clip
        // that ends early is reported by the caller, which knows how many frames to expect.
        demux_eof_ = true;
        avcodec_send_packet(dec_.get(), nullptr);
        continue;
      }
      if (err < 0) {
        return corrupt_data((at_open ? where() : where(next_index_)) +
                            "cannot read packet: " + av_error_text(err));
      }
      if (pkt_->stream_index != video_) {
        av_packet_unref(pkt_.get());
        continue;
      }
      err = avcodec_send_packet(dec_.get(), pkt_.get());
      av_packet_unref(pkt_.get());
      if (err < 0 && err != AVERROR(EAGAIN)) return decode_error(err, at_open);
    }

    int64_t ts = out->best_effort_timestamp;
    int64_t i = -1;
    if (ts != AV_NOPTS_VALUE && origin_ts_ != AV_NOPTS_VALUE) {
      i = av_rescale_q_rnd(ts - origin_ts_, st_->time_base, av_inv_q(rate_),
                           AVRounding(AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX));
      // Timestamps that step backwards are damage; keep counting rather than repeat frames.
      if (next_index_ > 0 && i < next_index_ && last_from_ts_) i = std::max(i, next_index_);
    } else if (next_index_ >= 0) {
      i = next_index_;
    }
    last_from_ts_ = ts != AV_NOPTS_VALUE;
    *index = i;
    next_index_ = i >= 0 ? i + 1 : -1;
    return true;
  }

  Status decode_error(int err, bool at_open) {
    std::string at = at_open ? where() : where(next_index_ >= 0 ? next_index_ : position_ + 1);
    return corrupt_data(at + "decode error: " + av_error_text(err));
  }

  // Positions the demuxer at the keyframe at or before frame `target`. false: cannot seek.
  bool seek_near(int64_t target) {
    int64_t ts = start_ts_ + av_rescale_q(target, av_inv_q(rate_), st_->time_base);
    if (av_seek_frame(fmt_.get(), video_, ts, AVSEEK_FLAG_BACKWARD) < 0) return false;
    reset_decoder();
    at_start_ = false;
    next_index_ = -1;  // unknown until a frame with a timestamp arrives
    return true;
  }

  Status rewind(bool reopen) {
    int err = -1;
    if (!reopen) {
      // Byte 0 is exactly the start for formats without a header index (MPEG-TS/PS), whose
      // timestamp seeks are approximate.
      if ((fmt_->iformat->flags & AVFMT_TS_DISCONT) && !(fmt_->iformat->flags & AVFMT_NO_BYTE_SEEK))
        err = av_seek_frame(fmt_.get(), -1, 0, AVSEEK_FLAG_BYTE);
      if (err < 0) err = av_seek_frame(fmt_.get(), video_, start_ts_, AVSEEK_FLAG_BACKWARD);
    }
    if (err < 0) {
      // Not seekable (or the seek cannot be trusted): reopening is the only sure way to frame 0.
      int video = -1;
      FL_ASSIGN_OR_RETURN(fmt_, open_input(path_, &video));
      if (video != video_) return corrupt_data(where() + "video stream changed on reopen");
      st_ = fmt_->streams[video_];
    }
    reset_decoder();
    at_start_ = true;
    next_index_ = 0;  // from the start, counting is exact
    return ok_status();
  }

  // Replaces a frame count estimated from the duration (containers without a frame count, like
  // Matroska and NUT, round the duration or leave out the last frame's) with the index of the
  // last frame, found by decoding the last GOP. A picture-only clip that ends well short of its
  // header's duration is damaged: keep the estimate so that reading the missing frames reports
  // that. (With other streams a cut file then reads as a shorter whole one, as NUT's always do.)
  void measure_frame_count() {
    const int64_t estimate = info_.frame_count;
    if (estimate <= 0 || st_->nb_frames > 0 || origin_ts_ == AV_NOPTS_VALUE) return;
    int64_t last = -1;
    for (int64_t backoff : kSeekBackoff) {
      int64_t target = estimate - 2 - backoff;
      bool positioned = target > 0 ? seek_near(target) : rewind(false).ok();
      if (!positioned) break;
      bool known = intra_only() ? last_packet_index(last) : last_decoded_index(last);
      if (!known || last >= 0 || target <= 0) break;
    }
    forget_position();
    if (last < 0) return;
    // The estimate came from the container's duration when the stream has none of its own, and
    // that covers every stream: a clip's audio often runs past its last picture (a 12-frame
    // render of a clip with sound read as 25 frames). Then the last frame found is the count.
    const bool stream_timed = st_->duration > 0 && st_->duration != AV_NOPTS_VALUE;
    const bool other_streams = fmt_->nb_streams > 1;
    if (last + 1 >= estimate - 1 || (!stream_timed && other_streams)) {
      info_.frame_count = last + 1;
      if (!stream_timed) info_.duration_seconds = double(last + 1) / av_q2d(rate_);
    }
  }

  // Every packet is a whole picture (ProRes, DNxHD, raw, JPEG 2000...): its timestamp is its
  // frame's, so the frames at the end are counted from packets, none of them decoded.
  bool intra_only() const {
    const AVCodecDescriptor* d = avcodec_descriptor_get(st_->codecpar->codec_id);
    return d && (d->props & AV_CODEC_PROP_INTRA_ONLY);
  }

  // Reads to the end from where the demuxer stands; `last` gets the highest frame index seen.
  // false: a packet without a timestamp (the index cannot be known there).
  bool last_packet_index(int64_t& last) {
    PacketPtr best(av_packet_alloc());
    if (!best) return false;
    int64_t best_index = -1;
    while (av_read_frame(fmt_.get(), pkt_.get()) >= 0) {  // to the end, or to damage there
      if (pkt_->stream_index != video_) {
        av_packet_unref(pkt_.get());
        continue;
      }
      if (pkt_->pts == AV_NOPTS_VALUE) {
        av_packet_unref(pkt_.get());
        return false;
      }
      const int64_t index =
          av_rescale_q_rnd(pkt_->pts - origin_ts_, st_->time_base, av_inv_q(rate_),
                           AVRounding(AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX));
      if (index > best_index) {
        av_packet_unref(best.get());
        av_packet_move_ref(best.get(), pkt_.get());
        best_index = index;
      } else {
        av_packet_unref(pkt_.get());
      }
    }
    // A file cut inside its last picture still gives that packet, short: it is not a frame.
    if (best_index >= 0 && !whole_picture(best.get())) --best_index;
    last = std::max(last, best_index);
    return true;
  }

  // Whether `pkt` holds a whole picture: a raw one by its size, a compressed one (small) by
  // decoding it. Leaves the decoder flushed.
  bool whole_picture(AVPacket* pkt) {
    const AVCodecParameters* par = st_->codecpar;
    if (par->codec_id == AV_CODEC_ID_RAWVIDEO) {
      const int need =
          av_image_get_buffer_size(AVPixelFormat(par->format), par->width, par->height, 1);
      return need <= 0 || pkt->size >= need;
    }
    reset_decoder();
    FramePtr frame(av_frame_alloc());
    bool whole = frame && avcodec_send_packet(dec_.get(), pkt) >= 0 &&
                 avcodec_send_packet(dec_.get(), nullptr) >= 0 &&
                 avcodec_receive_frame(dec_.get(), frame.get()) == 0 &&
                 !frame->decode_error_flags && !(frame->flags & AV_FRAME_FLAG_CORRUPT);
    reset_decoder();
    return whole;
  }

  // As last_packet_index(), by decoding (frames reordered, or packets without timestamps).
  bool last_decoded_index(int64_t& last) {
    for (;;) {
      FramePtr frame;
      int64_t index = -1;
      auto got = decode_next(frame, &index, true);
      if (!got.ok() || !*got) return true;
      if (index < 0) return false;
      last = std::max(last, index);
    }
  }

  void reset_decoder() {
    avcodec_flush_buffers(dec_.get());
    demux_eof_ = decoder_eof_ = false;
    pending_.reset();
    pending_index_ = -1;
    position_ = -1;
    last_from_ts_ = false;
  }

  void forget_position() {
    pending_.reset();
    position_ = -1;
  }

  std::string path_;
  MediaInfo info_;
  colour::Transfer transfer_;
  FrameToImage converter_;

  InputPtr fmt_;
  CodecContextPtr dec_;
  PacketPtr pkt_;
  int video_ = -1;
  AVStream* st_ = nullptr;
  AVRational rate_{24, 1};
  int64_t start_ts_ = 0;
  int64_t origin_ts_ = AV_NOPTS_VALUE;

  bool demux_eof_ = false;
  bool decoder_eof_ = false;
  bool last_from_ts_ = false;
  bool at_start_ = true;     // decoding began at the start of the stream (not after a seek)
  int64_t next_index_ = -1;  // index the next decoded frame gets if it has no timestamp
  int64_t position_ = -1;    // index of the last frame taken from the decoder; -1 unknown
  FramePtr pending_;         // decoded but not yet consumed (found past a gap or a seek target)
  int64_t pending_index_ = -1;

  Image last_image_;
  int64_t last_index_ = -1;
  FramePtr current_;  // the last decoded frame, for a second read of the same index
  int64_t current_index_ = -1;
  FrameToRgb48 rgb48_converter_;
};

}  // namespace
}  // namespace ff

Result<std::unique_ptr<FrameSource>> open_ffmpeg_source(const std::string& path,
                                                        const SourceOptions& options) {
  int video = -1;
  FL_ASSIGN_OR_RETURN(ff::InputPtr fmt, ff::open_input(path, &video));
  MediaInfo info = ff::describe_media(fmt.get(), video, path);
  colour::Transfer transfer;
  if (!options.transfer.empty()) {
    auto parsed = colour::parse_transfer(options.transfer);
    if (!parsed.ok()) return parsed.status().with_field("transfer");
    transfer = *parsed;
  } else {
    const AVPixFmtDescriptor* d =
        av_pix_fmt_desc_get(AVPixelFormat(fmt->streams[video]->codecpar->format));
    bool float_format = d && (d->flags & AV_PIX_FMT_FLAG_FLOAT);
    transfer = colour::transfer_for_media(info.color_transfer, float_format, false);
  }
  auto source =
      std::make_unique<ff::FfmpegSource>(path, std::move(fmt), video, std::move(info), transfer);
  FL_RETURN_IF_ERROR(source->open(options.codec_threads));
  return std::unique_ptr<FrameSource>(std::move(source));
}

}  // namespace fl::io
