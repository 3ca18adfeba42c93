// Internal to src/io/ffmpeg: which encoder, pixel format, options and colour tags an output gets.
// Kept apart from the muxing code so the policy reads as one table.
#pragma once

#include <map>
#include <string>

#include "io/ffmpeg/ffmpeg_common.h"
#include "io/frame_sink.h"

namespace fl::io::ff {

struct EncoderChoice {
  const AVCodec* codec = nullptr;
  AVPixelFormat pixel_format = AV_PIX_FMT_NONE;
  // Our defaults for the codec (crf, profile...) overlaid with SinkOptions::codec_options.
  std::map<std::string, std::string> options;
};

// Picks from the extension of `path` unless `options` name a codec / pixel format. Fails with
// unsupported (unknown or absent encoder, extension without a default) or invalid_argument (a
// pixel format the encoder does not take).
Result<EncoderChoice> choose_encoder(const std::string& path, const SinkOptions& options);

struct ColourTags {
  AVColorPrimaries primaries = AVCOL_PRI_UNSPECIFIED;
  AVColorTransferCharacteristic transfer = AVCOL_TRC_UNSPECIFIED;
  AVColorSpace matrix = AVCOL_SPC_UNSPECIFIED;
  AVColorRange range = AVCOL_RANGE_UNSPECIFIED;
};

// The tags describe what the sink actually writes: the transfer applied, the matrix the RGB was
// converted with; the source's own tags are kept where they agree with that.
ColourTags choose_colour_tags(const SinkOptions& options, const EncoderChoice& choice);

}  // namespace fl::io::ff
