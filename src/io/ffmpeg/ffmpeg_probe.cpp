// probe_ffmpeg: what a clip is, without decoding it.
#include <cmath>

#include "io/ffmpeg/ffmpeg_common.h"
#include "io/ffmpeg/ffmpeg_io.h"

namespace fl::io {
namespace ff {
namespace {

std::string name_or_unknown(const char* name) { return name ? name : "unknown"; }

// The video's timecode: the stream's tag, the container's, or a tmcd/data track's (mov).
std::string find_timecode(AVFormatContext* fmt, int video) {
  if (auto* e = av_dict_get(fmt->streams[video]->metadata, "timecode", nullptr, 0)) return e->value;
  if (auto* e = av_dict_get(fmt->metadata, "timecode", nullptr, 0)) return e->value;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    if (auto* e = av_dict_get(fmt->streams[i]->metadata, "timecode", nullptr, 0)) return e->value;
  }
  return {};
}

}  // namespace

MediaInfo describe_media(AVFormatContext* fmt, int video, const std::string& path) {
  AVStream* st = fmt->streams[video];
  const AVCodecParameters* par = st->codecpar;
  MediaInfo info;
  info.path = path;
  info.container = fmt->iformat->name;
  info.codec = avcodec_get_name(par->codec_id);
  auto pix = AVPixelFormat(par->format);
  info.pixel_format = name_or_unknown(av_get_pix_fmt_name(pix));
  info.width = par->width;
  info.height = par->height;

  AVRational rate = video_frame_rate(fmt, st);
  info.frame_rate = {rate.num, rate.den};
  double fps = av_q2d(rate);

  // Prefer the video stream's own duration: the container's includes audio that may run longer.
  if (st->duration > 0 && st->duration != AV_NOPTS_VALUE) {
    info.duration_seconds = double(st->duration) * av_q2d(st->time_base);
  } else if (fmt->duration > 0 && fmt->duration != AV_NOPTS_VALUE) {
    info.duration_seconds = double(fmt->duration) / AV_TIME_BASE;
  }
  if (st->nb_frames > 0) {
    info.frame_count = st->nb_frames;
  } else if (info.duration_seconds > 0) {
    info.frame_count = std::llround(info.duration_seconds * fps);
  }
  if (info.duration_seconds <= 0 && info.frame_count > 0)
    info.duration_seconds = info.frame_count / fps;

  info.timecode = find_timecode(fmt, video);

  if (const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(pix)) {
    info.bit_depth = d->comp[0].depth;
    info.has_alpha = (d->flags & AV_PIX_FMT_FLAG_ALPHA) != 0;
  }
  info.color_primaries = name_or_unknown(av_color_primaries_name(par->color_primaries));
  info.color_transfer = name_or_unknown(av_color_transfer_name(par->color_trc));
  info.color_matrix = name_or_unknown(av_color_space_name(par->color_space));
  info.color_range = name_or_unknown(av_color_range_name(par->color_range));

  int audio = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, video, nullptr, 0);
  if (audio >= 0) {
    const AVCodecParameters* apar = fmt->streams[audio]->codecpar;
    info.has_audio = true;
    info.audio_codec = avcodec_get_name(apar->codec_id);
    info.audio_channels = apar->ch_layout.nb_channels;
    info.audio_sample_rate = apar->sample_rate;
  }
  return info;
}

}  // namespace ff

Result<MediaInfo> probe_ffmpeg(const std::string& path) {
  int video = -1;
  FL_ASSIGN_OR_RETURN(ff::InputPtr fmt, ff::open_input(path, &video));
  return ff::describe_media(fmt.get(), video, path);
}

}  // namespace fl::io
