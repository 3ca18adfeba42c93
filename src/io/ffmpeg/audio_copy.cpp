#include "io/ffmpeg/audio_copy.h"

namespace fl::io::ff {

Result<std::unique_ptr<AudioCopy>> AudioCopy::open(const std::string& source, int64_t first_frame,
                                                   Rational frame_rate, AVFormatContext* out,
                                                   const std::string& where) {
  std::unique_ptr<AudioCopy> a(new AudioCopy());
  a->where_ = where;
  a->out_ = out;
  int video = -1;
  auto in = open_input(source, &video);
  if (!in.ok()) return in.status().with_context("audio source: ");
  a->in_ = std::move(in).value();
  a->index_ = av_find_best_stream(a->in_.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (a->index_ < 0) return invalid_argument("audio source '" + source + "' has no audio stream");
  AVStream* ain = a->in_->streams[a->index_];
  if (avformat_query_codec(out->oformat, ain->codecpar->codec_id, FF_COMPLIANCE_NORMAL) == 0)
    return unsupported(where + "container '" + out->oformat->name + "' cannot carry '" +
                       avcodec_get_name(ain->codecpar->codec_id) + "' audio from '" + source + "'");

  a->stream_ = avformat_new_stream(out, nullptr);
  a->pkt_.reset(av_packet_alloc());
  if (!a->stream_ || !a->pkt_) return internal_error(where + "out of memory");
  int err = avcodec_parameters_copy(a->stream_->codecpar, ain->codecpar);
  if (err < 0) return av_status(err, where + "audio parameters");
  a->stream_->codecpar->codec_tag = 0;  // the input container's tag may mean nothing here
  a->stream_->time_base = ain->time_base;

  // Output frame 0 is source frame first_frame: measure from the source's video start.
  AVStream* vin = a->in_->streams[video];
  int64_t origin = vin->start_time != AV_NOPTS_VALUE
                       ? av_rescale_q(vin->start_time, vin->time_base, ain->time_base)
                       : 0;
  AVRational frame_dur = av_inv_q(AVRational{frame_rate.num, frame_rate.den});
  a->start_ = origin + av_rescale_q(first_frame, frame_dur, ain->time_base);
  if (first_frame > 0) av_seek_frame(a->in_.get(), a->index_, a->start_, AVSEEK_FLAG_BACKWARD);
  return a;
}

Status AudioCopy::copy_until(double end_seconds) {
  if (eof_) return ok_status();
  AVStream* ain = in_->streams[index_];
  for (;;) {
    if (!pkt_->data) {
      int err = av_read_frame(in_.get(), pkt_.get());
      if (err < 0) {
        eof_ = true;  // the audio ends before the video: fine, the rest is silence
        return ok_status();
      }
      if (pkt_->stream_index != index_) {
        av_packet_unref(pkt_.get());
        continue;
      }
    }
    int64_t ts = pkt_->pts != AV_NOPTS_VALUE ? pkt_->pts : pkt_->dts;
    if (ts == AV_NOPTS_VALUE || ts < start_) {  // before the cut (or untimed): drop
      av_packet_unref(pkt_.get());
      continue;
    }
    if (double(ts - start_) * av_q2d(ain->time_base) >= end_seconds) return ok_status();

    AVPacket* p = pkt_.get();
    if (p->pts != AV_NOPTS_VALUE) p->pts -= start_;
    if (p->dts != AV_NOPTS_VALUE) p->dts -= start_;
    // The output stream's time base is the muxer's choice, known once the header is written.
    av_packet_rescale_ts(p, ain->time_base, stream_->time_base);
    p->stream_index = stream_->index;
    p->pos = -1;
    int err = av_interleaved_write_frame(out_, p);  // takes the packet's reference
    if (err < 0) return av_status(err, where_ + "cannot write audio");
  }
}

}  // namespace fl::io::ff
