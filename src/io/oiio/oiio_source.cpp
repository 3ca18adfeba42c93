// Stills and image sequences in: OIIO ImageInput -> linear float RGBA.
//
// Choices a caller can rely on:
// - A still is a one-frame clip (frame_count 1), but read_frame(n) returns it for every n >= 0,
//   so a still matte or reference plate can sit beside a clip of any length without a hold op.
//   The still is decoded once, at open, and the same (immutable, shared) Image is handed out:
//   that is also how a damaged still fails at open as the FrameSource contract asks.
// - A sequence is checked at open through the header of its first file only; later files are
//   opened when their frame is read, so a hole in the numbering or a damaged frame fails on
//   that frame (naming the file) instead of making the whole shot unusable.
// - Frames are premultiplied (associated) alpha in linear light, as EXR stores them and as
//   compositing wants them. Straight-alpha files are linearised first and premultiplied after,
//   so a 50% edge of an sRGB PNG carries half the *light*, not half the code value.
// - The frame is the display window (EXR's displayWindow; every other format has no other);
//   pixels of a data window that differs are placed inside it, transparent black elsewhere.
// - OIIO reports errors through bool + geterror(); every call is checked here and turned into a
//   Status naming the file. OIIO does not throw by design, but a plugin's C++ library can
//   (OpenEXR, libtiff wrappers), so the public entry points also catch std::exception.
#include <unistd.h>

#include <OpenImageIO/imageio.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <optional>
#include <system_error>
#include <vector>

#include "colour/primaries.h"
#include "io/oiio/image_metadata.h"
#include "io/oiio/image_paths.h"
#include "io/oiio/oiio_module.h"

namespace fl::io {

namespace {

namespace fs = std::filesystem;
using image_paths::SequencePattern;

// What the checks before decoding can tell apart: missing, unreadable, not a file, not ours.
Status check_readable(const std::string& path) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (!fs::exists(st)) return not_found("no such file: '" + path + "'");
  if (fs::is_directory(st)) return invalid_argument("'" + path + "' is a directory, not an image");
  if (::access(path.c_str(), R_OK) != 0) return permission_denied("cannot read '" + path + "'");
  return ok_status();
}

Result<std::unique_ptr<OIIO::ImageInput>> open_input(const std::string& path) {
  FL_RETURN_IF_ERROR(check_readable(path));
  // Straight-alpha files (PNG, some TIFFs) are handed over untouched: OIIO would premultiply
  // the encoded code values, but the premultiply belongs in linear light (see decode()).
  OIIO::ImageSpec config;
  config.attribute("oiio:UnassociatedAlpha", 1);
  auto in = OIIO::ImageInput::open(path, &config);
  if (!in) {
    std::string why = OIIO::geterror();
    return corrupt_data("cannot decode '" + path + "': " + (why.empty() ? "unknown error" : why));
  }
  const OIIO::ImageSpec& spec = in->spec();
  if (spec.full_width <= 0 || spec.full_height <= 0 || spec.nchannels <= 0)
    return corrupt_data("'" + path + "' has no pixels (" + std::to_string(spec.full_width) + "x" +
                        std::to_string(spec.full_height) + ", " + std::to_string(spec.nchannels) +
                        " channels)");
  return in;
}

bool is_float_format(const OIIO::ImageSpec& spec) { return spec.format.is_floating_point(); }

bool spec_has_alpha(const OIIO::ImageSpec& spec) {
  return spec.alpha_channel >= 0 || spec.nchannels == 2 || spec.nchannels == 4;
}

int alpha_index(const OIIO::ImageSpec& spec) {
  if (spec.alpha_channel >= 0 && spec.alpha_channel < spec.nchannels) return spec.alpha_channel;
  if (spec.nchannels == 2) return 1;
  if (spec.nchannels == 4) return 3;
  return -1;
}

std::string sample_type_name(const OIIO::ImageSpec& spec, int bits) {
  switch (spec.format.basetype) {
    case OIIO::TypeDesc::HALF:
      return "half";
    case OIIO::TypeDesc::FLOAT:
      return "float";
    case OIIO::TypeDesc::DOUBLE:
      return "double";
    default:
      break;
  }
  std::string sign = spec.format.is_signed() ? "int" : "uint";
  return sign + std::to_string(bits);
}

// Frame rate as the file carries it: a rational (EXR, DPX through OIIO) or a float.
std::optional<Rational> frame_rate_of(const OIIO::ImageSpec& spec) {
  const OIIO::ParamValue* p = spec.find_attribute("FramesPerSecond");
  if (!p) p = spec.find_attribute("dpx:FrameRate");  // DPX keeps only its header's float
  if (!p) return std::nullopt;
  if (p->type() == OIIO::TypeRational) {
    const int* r = static_cast<const int*>(p->data());
    if (r[0] > 0 && r[1] > 0) return Rational{r[0], r[1]};
    return std::nullopt;
  }
  float fps = p->get_float(0.0f);
  if (fps > 0) return image_metadata::rational_from_fps(fps);
  return std::nullopt;
}

std::string timecode_of(const OIIO::ImageSpec& spec) {
  const OIIO::ParamValue* p = spec.find_attribute("smpte:TimeCode");
  if (p && p->type() == OIIO::TypeTimeCode)
    return image_metadata::timecode_from_smpte(static_cast<const unsigned int*>(p->data())[0]);
  return {};
}

// MediaInfo of one still; a sequence patches container, path and counts on top.
MediaInfo info_from_spec(const OIIO::ImageSpec& spec, const std::string& format,
                         const std::string& path) {
  MediaInfo info;
  info.path = path;
  info.container = format;
  info.codec = format;
  info.width = spec.full_width;
  info.height = spec.full_height;
  // DPX and TIFF keep 10/12-bit samples in 16-bit containers; the real depth is in the spec.
  int bits = spec.get_int_attribute("oiio:BitsPerSample", int(spec.format.size() * 8));
  info.bit_depth = bits;
  info.has_alpha = spec_has_alpha(spec);
  const char* layout = spec.nchannels == 1   ? "gray"
                       : spec.nchannels == 2 ? "graya"
                       : info.has_alpha      ? "rgba"
                                             : "rgb";
  info.pixel_format = std::string(layout) + "_" + sample_type_name(spec, bits);
  info.frame_rate = frame_rate_of(spec).value_or(Rational{24, 1});
  info.frame_count = 1;
  info.duration_seconds = info.frame_rate.num > 0 ? 1.0 / info.frame_rate.to_double() : 0.0;
  info.timecode = timecode_of(spec);
  std::string trc =
      image_metadata::trc_from_oiio_colorspace(spec.get_string_attribute("oiio:ColorSpace"));
  if (trc.empty()) trc = is_float_format(spec) ? "linear" : "iec61966-2-1";
  info.color_transfer = trc;
  info.color_primaries = "bt709";  // what OIIO's formats assume when untagged
  // OpenEXR's chromaticities (ACES plates carry AP0): named when they are a known set.
  if (const OIIO::ParamValue* p = spec.find_attribute("chromaticities");
      p && p->type() == OIIO::TypeDesc(OIIO::TypeDesc::FLOAT, 8)) {
    const auto* xy = static_cast<const float*>(p->data());
    if (auto known = colour::match_chromaticities(xy)) {
      const char* tag = colour::primaries_ffmpeg_name(*known);
      info.color_primaries = *tag ? tag : colour::primaries_name(*known);
    } else {
      info.color_primaries = "unknown";
    }
  }
  info.color_range = "pc";
  return info;
}

// Decodes the open image into the frame (display window at origin 0,0), RGBA, linear.
Result<Image> decode(OIIO::ImageInput& in, const std::string& path,
                     const colour::TransferCurve& curve) {
  const OIIO::ImageSpec& spec = in.spec();
  const int alpha = alpha_index(spec);
  const int colour_channels = std::min(spec.nchannels, 3);
  // Only the channels we keep: a 40-channel multi-AOV EXR must not cost 40 planes of floats.
  const int chend = std::min(spec.nchannels, std::max(colour_channels, alpha + 1));
  const size_t count = size_t(spec.width) * spec.height * chend;
  std::vector<float> buf;
  try {
    buf.resize(count);
  } catch (const std::bad_alloc&) {
    return corrupt_data("'" + path + "' claims an image too large to decode (" +
                        std::to_string(spec.width) + "x" + std::to_string(spec.height) + ")");
  }
  if (!in.read_image(0, 0, 0, chend, OIIO::TypeFloat, buf.data())) {
    std::string why = in.geterror();
    return corrupt_data("cannot decode '" + path + "': " + (why.empty() ? "read failed" : why));
  }
  Image frame(spec.full_width, spec.full_height);
  if (spec.x != spec.full_x || spec.y != spec.full_y || spec.width != spec.full_width ||
      spec.height != spec.full_height)
    frame.fill(0, 0, 0, 0);
  const Rect data_rect{spec.x - spec.full_x, spec.y - spec.full_y, spec.width, spec.height};
  const Rect visible = data_rect.intersect(frame.bounds());
  for (int y = visible.y; y < visible.bottom(); ++y) {
    const float* src =
        buf.data() + (size_t(y - data_rect.y) * spec.width + (visible.x - data_rect.x)) * chend;
    float* dst = frame.at(visible.x, y);
    for (int x = 0; x < visible.w; ++x, src += chend, dst += 4) {
      if (colour_channels >= 3) {
        dst[0] = src[0], dst[1] = src[1], dst[2] = src[2];
      } else {  // gray (+ alpha): the one channel drives R, G and B
        dst[0] = dst[1] = dst[2] = src[0];
      }
      dst[3] = alpha >= 0 && alpha < chend ? src[alpha] : 1.0f;
    }
  }
  if (!curve.is_linear()) curve.rgba_to_linear(frame.data(), frame.pixel_count());
  if (alpha >= 0 && spec.get_int_attribute("oiio:UnassociatedAlpha", 0) != 0) {
    float* p = frame.data();
    for (size_t i = 0; i < frame.pixel_count(); ++i, p += 4)
      p[0] *= p[3], p[1] *= p[3], p[2] *= p[3];
  }
  return frame;
}

struct Opened {
  MediaInfo info;
  std::optional<SequencePattern> pattern;
  std::vector<std::pair<int64_t, std::string>> files;  // sorted by frame number
  std::unique_ptr<OIIO::ImageInput> first;             // header of the first (or only) file
  std::string first_path;
};

// The probe shared by probe_image and open_image_source: headers only, no pixels.
Result<Opened> open_headers(const std::string& path) {
  std::string ext = image_paths::extension_of(path);
  if (!image_paths::is_still_extension(ext))
    return unsupported("'" + path + "': unsupported image extension '" + ext +
                       "' (expected .exr .dpx .tif .tiff .png .jpg .jpeg)");
  Opened o;
  o.first_path = path;
  if (image_paths::looks_like_pattern(path)) {
    FL_ASSIGN_OR_RETURN(SequencePattern pattern, image_paths::parse_pattern(path));
    FL_ASSIGN_OR_RETURN(o.files, image_paths::scan_sequence(path, pattern));
    o.pattern = pattern;
    o.first_path = o.files.front().second;
  }
  FL_ASSIGN_OR_RETURN(o.first, open_input(o.first_path));
  o.info = info_from_spec(o.first->spec(), o.first->format_name(), path);
  if (o.pattern) {
    o.info.container = "image_sequence";
    o.info.first_frame = o.files.front().first;
    o.info.frame_count = o.files.back().first - o.files.front().first + 1;
    o.info.duration_seconds = double(o.info.frame_count) / o.info.frame_rate.to_double();
  }
  return o;
}

class OiioSource final : public FrameSource {
 public:
  OiioSource(Opened opened, colour::Transfer transfer, Image still)
      : info_(std::move(opened.info)),
        transfer_(transfer),
        pattern_(std::move(opened.pattern)),
        files_(std::move(opened.files)),
        still_(std::move(still)) {}

  const MediaInfo& info() const override { return info_; }
  colour::Transfer transfer() const override { return transfer_; }

  Result<Image> read_frame(int64_t n) override {
    if (n < 0)
      return invalid_argument("frame " + std::to_string(n) + " of '" + info_.path +
                              "': frame indices start at 0");
    if (!pattern_) return still_;
    if (n >= info_.frame_count)
      return invalid_argument("frame " + std::to_string(n) + " is past the end of '" + info_.path +
                              "' (" + std::to_string(info_.frame_count) + " frames)");
    const int64_t number = info_.first_frame + n;
    auto it = std::lower_bound(files_.begin(), files_.end(), number,
                               [](const auto& f, int64_t v) { return f.first < v; });
    if (it == files_.end() || it->first != number)
      return not_found("frame " + std::to_string(number) + " of sequence '" + info_.path +
                       "' is missing: no file '" + pattern_->path(number) + "'");
    try {
      return read_file(it->second);
    } catch (const std::exception& e) {
      return corrupt_data("cannot decode '" + it->second + "': " + e.what());
    }
  }

 private:
  Result<Image> read_file(const std::string& path) {
    FL_ASSIGN_OR_RETURN(auto in, open_input(path));
    const OIIO::ImageSpec& spec = in->spec();
    if (spec.full_width != info_.width || spec.full_height != info_.height)
      return corrupt_data("'" + path + "' is " + std::to_string(spec.full_width) + "x" +
                          std::to_string(spec.full_height) + " but sequence '" + info_.path +
                          "' is " + std::to_string(info_.width) + "x" +
                          std::to_string(info_.height));
    return decode(*in, path, colour::TransferCurve::get(transfer_));
  }

  MediaInfo info_;
  colour::Transfer transfer_;
  std::optional<SequencePattern> pattern_;
  std::vector<std::pair<int64_t, std::string>> files_;
  Image still_;  // stills only
};

Result<std::unique_ptr<FrameSource>> open_source_impl(const std::string& path,
                                                      const SourceOptions& options) {
  FL_ASSIGN_OR_RETURN(Opened opened, open_headers(path));
  colour::Transfer transfer;
  if (!options.transfer.empty()) {
    FL_ASSIGN_OR_RETURN(transfer, colour::parse_transfer(options.transfer));
  } else {
    transfer = colour::transfer_for_media(opened.info.color_transfer,
                                          is_float_format(opened.first->spec()), true);
  }
  Image still;
  if (!opened.pattern) {
    FL_ASSIGN_OR_RETURN(
        still, decode(*opened.first, opened.first_path, colour::TransferCurve::get(transfer)));
  }
  opened.first.reset();  // a sequence reopens each file when its frame is read
  return std::unique_ptr<FrameSource>(
      std::make_unique<OiioSource>(std::move(opened), transfer, std::move(still)));
}

}  // namespace

Result<MediaInfo> oiio_module::probe(const std::string& path) {
  try {
    FL_ASSIGN_OR_RETURN(Opened opened, open_headers(path));
    return opened.info;
  } catch (const std::exception& e) {
    return corrupt_data("cannot probe '" + path + "': " + e.what());
  }
}

Result<std::unique_ptr<FrameSource>> oiio_module::open_source(const std::string& path,
                                                              const SourceOptions& options) {
  try {
    return open_source_impl(path, options);
  } catch (const std::exception& e) {
    return corrupt_data("cannot open '" + path + "': " + e.what());
  }
}

}  // namespace fl::io
