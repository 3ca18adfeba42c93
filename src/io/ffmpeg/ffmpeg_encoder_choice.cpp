#include "io/ffmpeg/ffmpeg_encoder_choice.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <vector>

namespace fl::io::ff {
namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// Frames arrive as float. When nothing says what they came from, the lossless formats (FFV1,
// raw) keep 16 bits; the delivery codecs stay at their most compatible 8/10-bit flavours.
int source_depth(const MediaInfo& source, bool lossless) {
  return source.pixel_format.empty() && lossless ? 16 : source.bit_depth;
}

std::string default_codec_for(const std::string& ext, const MediaInfo& source) {
  if (ext == ".mkv") return "ffv1";
  if (ext == ".mov") return "prores_ks";
  if (ext == ".mp4" || ext == ".m4v")
    return source_depth(source, false) > 8 ? "libx265" : "libx264";
  if (ext == ".nut") return "rawvideo";
  if (ext == ".mxf") return "dnxhd";
  if (ext == ".avi") return "mjpeg";
  return {};
}

bool supports(const AVCodec* codec, AVPixelFormat fmt) {
  if (!codec->pix_fmts) return true;  // the encoder does not say: let avcodec_open2 decide
  for (const AVPixelFormat* p = codec->pix_fmts; *p != AV_PIX_FMT_NONE; ++p)
    if (*p == fmt) return true;
  return false;
}

// The first of `candidates` the encoder takes.
AVPixelFormat first_supported(const AVCodec* codec, std::initializer_list<const char*> candidates) {
  for (const char* name : candidates) {
    AVPixelFormat fmt = av_get_pix_fmt(name);
    if (fmt != AV_PIX_FMT_NONE && supports(codec, fmt)) return fmt;
  }
  return AV_PIX_FMT_NONE;
}

// Our house defaults per encoder: quality-keeping formats at the source's depth.
AVPixelFormat default_pixel_format(const std::string& codec, const AVCodec* enc,
                                   const MediaInfo& src, std::map<std::string, std::string>& opts) {
  const int depth = source_depth(src, codec == "ffv1" || codec == "rawvideo");
  const bool alpha = src.has_alpha;
  if (codec == "ffv1") {
    opts = {{"level", "3"}, {"slicecrc", "1"}, {"g", "1"}};
    if (alpha)
      return depth > 8 ? first_supported(enc, {"gbrap16le", "yuva444p16le"})
                       : first_supported(enc, {"gbrap", "bgra", "gbrap16le"});
    // FFV1 takes 8-bit RGB packed only (bgr0); both are lossless for RGB frames.
    if (depth <= 8) return first_supported(enc, {"gbrp", "bgr0", "gbrp16le"});
    if (depth <= 10) return first_supported(enc, {"gbrp10le", "gbrp16le"});
    if (depth <= 12) return first_supported(enc, {"gbrp12le", "gbrp16le"});
    return first_supported(enc, {"gbrp16le"});
  }
  if (codec == "prores_ks") {
    if (alpha || depth > 10) {
      opts = {{"profile", "4444"}};
      return first_supported(enc, {alpha ? "yuva444p10le" : "yuv444p10le"});
    }
    opts = {{"profile", "hq"}};
    return first_supported(enc, {"yuv422p10le"});
  }
  if (codec == "libx264") {
    opts = {{"crf", "12"}, {"preset", "medium"}};
    return depth > 8 ? first_supported(enc, {"yuv420p10le", "yuv420p"})
                     : first_supported(enc, {"yuv420p"});
  }
  if (codec == "libx265") {
    opts = {{"crf", "12"}, {"preset", "medium"}, {"x265-params", "log-level=error"}};
    return depth > 8 ? first_supported(enc, {"yuv420p10le", "yuv420p"})
                     : first_supported(enc, {"yuv420p"});
  }
  if (codec == "rawvideo") return first_supported(enc, {alpha ? "rgba64le" : "rgb48le"});
  if (codec == "dnxhd") {
    opts = {{"profile", "dnxhr_hqx"}};
    return first_supported(enc, {"yuv422p10le"});
  }
  if (codec == "mjpeg") {
    // -q:v 2: fixed quantiser, near-transparent.
    opts = {{"flags", "+qscale"}, {"global_quality", std::to_string(2 * FF_QP2LAMBDA)}};
    return first_supported(enc, {"yuvj422p", "yuvj444p", "yuvj420p"});
  }
  return AV_PIX_FMT_NONE;
}

std::string supported_list(const AVCodec* codec) {
  std::string out;
  for (const AVPixelFormat* p = codec->pix_fmts; p && *p != AV_PIX_FMT_NONE; ++p) {
    if (!out.empty()) out += ", ";
    out += av_get_pix_fmt_name(*p);
  }
  return out;
}

AVColorTransferCharacteristic trc_for(colour::Transfer t) {
  switch (t) {
    case colour::Transfer::kLinear:
      return AVCOL_TRC_LINEAR;
    case colour::Transfer::kSrgb:
      return AVCOL_TRC_IEC61966_2_1;
    case colour::Transfer::kBt709:
      return AVCOL_TRC_BT709;
    case colour::Transfer::kGamma22:
      return AVCOL_TRC_GAMMA22;
    case colour::Transfer::kGamma28:
      return AVCOL_TRC_GAMMA28;
    case colour::Transfer::kGamma24:
      return AVCOL_TRC_UNSPECIFIED;  // no such tag in ISO 23001-8
  }
  return AVCOL_TRC_UNSPECIFIED;
}

}  // namespace

Result<EncoderChoice> choose_encoder(const std::string& path, const SinkOptions& options) {
  EncoderChoice choice;
  std::string ext = lower_extension(path);
  std::string name = options.codec.empty() ? default_codec_for(ext, options.source) : options.codec;
  if (name.empty())
    return unsupported("'" + path + "': no default codec for '" + ext +
                       "' outputs (use .mkv, .mov, .mp4, .nut, .mxf or .avi, or name a codec)");
  choice.codec = avcodec_find_encoder_by_name(name.c_str());
  if (!choice.codec) {
    // Accept codec names too ("h264"), as the ffmpeg CLI does for -c:v.
    const AVCodecDescriptor* d = avcodec_descriptor_get_by_name(name.c_str());
    if (d) choice.codec = avcodec_find_encoder(d->id);
  }
  if (!choice.codec || choice.codec->type != AVMEDIA_TYPE_VIDEO)
    return unsupported("'" + path + "': unknown video encoder '" + name + "'");

  AVPixelFormat fallback =
      default_pixel_format(choice.codec->name, choice.codec, options.source, choice.options);
  if (!options.pixel_format.empty()) {
    choice.pixel_format = av_get_pix_fmt(options.pixel_format.c_str());
    if (choice.pixel_format == AV_PIX_FMT_NONE)
      return invalid_argument("'" + path + "': unknown pixel format '" + options.pixel_format + "'",
                              "pixel_format");
    if (!supports(choice.codec, choice.pixel_format))
      return invalid_argument("'" + path + "': encoder '" + choice.codec->name +
                                  "' does not take pixel format '" + options.pixel_format +
                                  "' (it takes " + supported_list(choice.codec) + ")",
                              "pixel_format");
  } else if (fallback != AV_PIX_FMT_NONE) {
    choice.pixel_format = fallback;
  } else {
    // An encoder we have no policy for: the format closest to the source, preferring no loss.
    AVPixelFormat src = av_get_pix_fmt(options.source.pixel_format.c_str());
    if (src != AV_PIX_FMT_NONE && supports(choice.codec, src)) {
      choice.pixel_format = src;
    } else if (choice.codec->pix_fmts) {
      AVPixelFormat want = options.source.has_alpha ? AV_PIX_FMT_RGBA64 : AV_PIX_FMT_RGB48;
      choice.pixel_format = avcodec_find_best_pix_fmt_of_list(choice.codec->pix_fmts, want,
                                                              options.source.has_alpha, nullptr);
    }
    if (choice.pixel_format == AV_PIX_FMT_NONE)
      return unsupported("'" + path + "': cannot choose a pixel format for encoder '" +
                         choice.codec->name + "'; set one");
  }
  for (const auto& [key, value] : options.codec_options) choice.options[key] = value;
  return choice;
}

ColourTags choose_colour_tags(const SinkOptions& options, const EncoderChoice& choice) {
  const MediaInfo& src = options.source;
  ColourTags tags;
  if (src.color_primaries != "unknown" && !src.color_primaries.empty()) {
    int p = av_color_primaries_from_name(src.color_primaries.c_str());
    if (p >= 0) tags.primaries = AVColorPrimaries(p);
  }
  tags.transfer = trc_for(options.transfer);
  if (!src.color_transfer.empty() && src.color_transfer != "unknown") {
    // Keep the source's exact name (smpte170m, bt2020-10) when it means the curve we apply.
    auto parsed = colour::parse_transfer(src.color_transfer);
    int t = av_color_transfer_from_name(src.color_transfer.c_str());
    if (parsed.ok() && *parsed == options.transfer && t >= 0)
      tags.transfer = AVColorTransferCharacteristic(t);
  }

  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(choice.pixel_format);
  if (!is_yuv_format(choice.pixel_format)) {
    if (d && (d->flags & AV_PIX_FMT_FLAG_RGB)) tags.matrix = AVCOL_SPC_RGB;
    tags.range = AVCOL_RANGE_JPEG;
    return tags;
  }
  int m = src.color_matrix.empty() ? -1 : av_color_space_from_name(src.color_matrix.c_str());
  if (m > 0 && m != AVCOL_SPC_UNSPECIFIED && m != AVCOL_SPC_RESERVED)
    tags.matrix = AVColorSpace(m);
  else
    tags.matrix = options.height >= 720 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;

  const std::string codec = choice.codec->name;
  std::string fmt_name = av_get_pix_fmt_name(choice.pixel_format);
  if (codec == "mjpeg" || fmt_name.rfind("yuvj", 0) == 0) {
    tags.range = AVCOL_RANGE_JPEG;  // JPEG is full range by definition
  } else if ((codec == "libx264" || codec == "libx265" || codec == "ffv1") &&
             src.color_range == "pc") {
    tags.range = AVCOL_RANGE_JPEG;  // these signal full range in the bitstream: keep the source's
  } else {
    tags.range = AVCOL_RANGE_MPEG;  // ProRes, DNxHR and friends are video range
  }
  return tags;
}

}  // namespace fl::io::ff
