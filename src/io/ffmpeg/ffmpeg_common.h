// Internal to src/io/ffmpeg: RAII owners for libav objects, error mapping and the helpers shared
// by the probe, the decoder and the encoder. Nothing outside this folder may include it.
#pragma once

#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include "framelock/media.h"
#include "framelock/status.h"

namespace fl::io::ff {

struct InputDeleter {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
struct DictionaryDeleter {
  void operator()(AVDictionary* d) const { av_dict_free(&d); }
};

// An output being muxed: closes its file (if it opened one) and frees it.
struct OutputDeleter {
  void operator()(AVFormatContext* c) const {
    if (c->pb && !(c->oformat->flags & AVFMT_NOFILE)) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};

using InputPtr = std::unique_ptr<AVFormatContext, InputDeleter>;
using OutputPtr = std::unique_ptr<AVFormatContext, OutputDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;

// Lowers libav's console chatter once per process (errors reach callers as Status instead),
// unless the host already chose a level.
void init_ffmpeg();

std::string av_error_text(int err);
// Maps a libav error code to our vocabulary; `what` becomes the message prefix.
Status av_status(int err, const std::string& what);

// Missing / unreadable / directory checks done before libav sees the path, so the error code
// is exact (libav folds many of these into AVERROR(EIO) or AVERROR_INVALIDDATA).
Status check_readable_file(const std::string& path);

// Opens `path`, reads stream info and finds the best video stream (index stored in *video).
Result<InputPtr> open_input(const std::string& path, int* video);

// Fills MediaInfo from an opened input.
MediaInfo describe_media(AVFormatContext* fmt, int video, const std::string& path);

// The frame rate we index frames by: the container's guess, else the stream's rates, else 24.
AVRational video_frame_rate(AVFormatContext* fmt, AVStream* st);

// swscale's SWS_CS_* constant for a stream's matrix; untagged: bt709 for HD, bt601 for SD.
int sws_colorspace(AVColorSpace space, int height);
// True when `fmt` is a YUV (or gray) format whose matrix/range swscale must be told about.
bool is_yuv_format(AVPixelFormat fmt);

}  // namespace fl::io::ff
