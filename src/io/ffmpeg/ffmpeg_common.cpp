#include "io/ffmpeg/ffmpeg_common.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

extern "C" {
#include <libavutil/log.h>
}

namespace fl::io::ff {

void init_ffmpeg() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Our errors already name the file and frame; libav's own lines would break the one-line
    // message rule. FL_AV_LOGLEVEL=<libav level number> brings them back for debugging.
    // AV_LOG_INFO is libav's default; anything else means the host application chose a level.
    if (av_log_get_level() != AV_LOG_INFO) return;
    const char* env = std::getenv("FL_AV_LOGLEVEL");
    av_log_set_level(env && *env ? std::atoi(env) : AV_LOG_QUIET);
  });
}

std::string av_error_text(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

Status av_status(int err, const std::string& what) {
  std::string msg = what + ": " + av_error_text(err);
  switch (err) {
    case AVERROR(ENOENT):
      return not_found(msg);
    case AVERROR(EACCES):
    case AVERROR(EPERM):
      return permission_denied(msg);
    case AVERROR(ENOMEM):
      return internal_error(msg);
    case AVERROR(EINVAL):
      return invalid_argument(msg);
    case AVERROR_INVALIDDATA:
    case AVERROR_EOF:
      return corrupt_data(msg);
    case AVERROR_DECODER_NOT_FOUND:
    case AVERROR_ENCODER_NOT_FOUND:
    case AVERROR_DEMUXER_NOT_FOUND:
    case AVERROR_MUXER_NOT_FOUND:
    case AVERROR_PATCHWELCOME:
    case AVERROR(ENOSYS):
      return unsupported(msg);
    default:
      return io_error(msg);
  }
}

Status check_readable_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int e = errno;
    if (e == ENOENT || e == ENOTDIR) return not_found("'" + path + "': no such file");
    if (e == EACCES) return permission_denied("'" + path + "': permission denied");
    return io_error("'" + path + "': " + std::strerror(e));
  }
  if (S_ISDIR(st.st_mode)) return invalid_argument("'" + path + "' is a directory, not a clip");
  if (::access(path.c_str(), R_OK) != 0) {
    int e = errno;
    if (e == EACCES || e == EPERM) return permission_denied("'" + path + "': permission denied");
    return io_error("'" + path + "': " + std::strerror(e));
  }
  return ok_status();
}

Result<InputPtr> open_input(const std::string& path, int* video) {
  init_ffmpeg();
  FL_RETURN_IF_ERROR(check_readable_file(path));

  AVFormatContext* raw = nullptr;
  int err = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (err < 0) {
    // A file we could stat and read but no demuxer recognises is not media (or its header is
    // damaged); libav says INVALIDDATA for both.
    if (err == AVERROR_INVALIDDATA)
      return corrupt_data("'" + path + "': not a media file or its header is damaged");
    return av_status(err, "'" + path + "'");
  }
  InputPtr fmt(raw);
  err = avformat_find_stream_info(fmt.get(), nullptr);
  if (err < 0)
    return corrupt_data("'" + path + "': cannot read stream info: " + av_error_text(err));

  const AVCodec* decoder = nullptr;
  int index = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (index == AVERROR_STREAM_NOT_FOUND) return unsupported("'" + path + "': no video stream");
  if (index == AVERROR_DECODER_NOT_FOUND) {
    // Name the codec of the first video stream: that is the one the caller meant.
    for (unsigned i = 0; i < fmt->nb_streams; ++i) {
      const AVCodecParameters* par = fmt->streams[i]->codecpar;
      if (par->codec_type == AVMEDIA_TYPE_VIDEO)
        return unsupported("'" + path + "': unsupported codec '" + avcodec_get_name(par->codec_id) +
                           "'");
    }
    return unsupported("'" + path + "': no decodable video stream");
  }
  if (index < 0) return av_status(index, "'" + path + "'");

  const AVCodecParameters* par = fmt->streams[index]->codecpar;
  // Attached pictures (cover art) are video streams of one frame: not a clip.
  if (fmt->streams[index]->disposition & AV_DISPOSITION_ATTACHED_PIC)
    return unsupported("'" + path + "': no video stream (only an attached picture)");
  if (par->width <= 0 || par->height <= 0)
    return corrupt_data("'" + path + "': video stream has no frame size (damaged header?)");
  *video = index;
  return fmt;
}

AVRational video_frame_rate(AVFormatContext* fmt, AVStream* st) {
  AVRational r = av_guess_frame_rate(fmt, st, nullptr);
  if (r.num <= 0 || r.den <= 0) r = st->avg_frame_rate;
  if (r.num <= 0 || r.den <= 0) r = st->r_frame_rate;
  if (r.num <= 0 || r.den <= 0) r = AVRational{24, 1};
  return r;
}

int sws_colorspace(AVColorSpace space, int height) {
  switch (space) {
    case AVCOL_SPC_BT709:
      return SWS_CS_ITU709;
    case AVCOL_SPC_FCC:
      return SWS_CS_FCC;
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M:
      return SWS_CS_ITU601;
    case AVCOL_SPC_SMPTE240M:
      return SWS_CS_SMPTE240M;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:
      return SWS_CS_BT2020;
    default:
      // Untagged: what players assume (HD is Rec.709, SD is Rec.601).
      return height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601;
  }
}

bool is_yuv_format(AVPixelFormat fmt) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(fmt);
  return d && !(d->flags & AV_PIX_FMT_FLAG_RGB) && !(d->flags & AV_PIX_FMT_FLAG_PAL) &&
         d->nb_components >= 3;
}

}  // namespace fl::io::ff
