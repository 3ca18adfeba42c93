// Stills and image sequences out: linear float RGBA -> OIIO ImageOutput.
//
// Choices a caller can rely on:
// - A plain path takes exactly one frame; a pattern (`out.%04d.exr`, `out.####.exr`) numbers
//   frame k as first + k, where first is options.source.first_frame when that is > 0 and 1
//   otherwise (MediaInfo cannot tell "sequence starting at 0" from "not a sequence", and 1 is
//   what editorial and farm tools expect).
// - Every file is written under a hidden temp name beside it (same filesystem, so the rename is
//   atomic) that keeps the real extension. A single image is renamed by finish(); sequence frames
//   are renamed as each one completes, so a long render can be watched and resumed, and abort()
//   (or destruction before finish()) deletes the pending temp file and every frame this sink put
//   in place: a cancelled render leaves nothing behind.
// - EXR holds linear light as written (half unless pixel_format says "float"); every integer
//   format is encoded with options.transfer and tagged with it (oiio:ColorSpace) where the format
//   can carry a tag. DPX and JPEG are always RGB; alpha goes to EXR, TIFF and PNG only when
//   options.source.has_alpha. Frames are premultiplied linear light; PNG stores straight alpha,
//   so its colour is divided by alpha in linear light before encoding (the reader's inverse).
//   EXR and TIFF store associated alpha as is.
// - Integer code values are rounded to nearest; DPX 10-bit codes are computed here (OIIO's DPX
//   writer truncates the 16-bit values it is given to 10 bits).

#include <OpenImageIO/imageio.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <optional>
#include <system_error>
#include <vector>

#include "colour/primaries.h"
#include "core/output_path.h"
#include "io/oiio/image_metadata.h"
#include "io/oiio/image_paths.h"
#include "io/oiio/oiio_module.h"

namespace fl::io {

namespace {

// Every render of a plan is the same bytes (farm chunks, resumed jobs, the command line and the
// server), but OpenImageIO stamps EXR and TIFF files with the wall clock unless it is given a
// date. So the date is the reproducible-builds convention's SOURCE_DATE_EPOCH when it is set;
// otherwise TIFF gets none and EXR, whose writer always puts one in, the epoch. When a file was
// rendered, and by whom, is in the audit log and its Content Credentials' ingredients.
std::string reproducible_date_time(bool required) {
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    char* end = nullptr;
    const long long seconds = std::strtoll(epoch, &end, 10);
    if (end && *end == '\0' && seconds >= 0) {
      const std::time_t t = std::time_t(seconds);
      std::tm utc{};
      gmtime_r(&t, &utc);
      char text[32];
      std::strftime(text, sizeof text, "%Y:%m:%d %H:%M:%S", &utc);
      return text;
    }
  }
  return required ? "1970:01:01 00:00:00" : "";
}

namespace fs = std::filesystem;
using image_paths::SequencePattern;

struct OutputFormat {
  std::string name;  // OIIO's format name
  OIIO::TypeDesc type = OIIO::TypeDesc::UINT8;
  int bits = 8;
  bool encoded = true;  // integer formats carry transfer-encoded code values
  bool alpha = false;   // whether the format gets an alpha channel from us
  std::string compression;
  int quality = 0;
};

Result<OutputFormat> output_format_for(const std::string& path, const SinkOptions& options) {
  const std::string ext = image_paths::extension_of(path);
  OutputFormat f;
  f.name = image_paths::format_for_extension(ext);
  if (f.name.empty())
    return unsupported("'" + path + "': unsupported image extension '" + ext +
                       "' (expected .exr .dpx .tif .tiff .png .jpg .jpeg)");
  if (!options.codec.empty() && options.codec != f.name)
    return invalid_argument("'" + path + "': codec '" + options.codec +
                                "' does not match the extension (which writes " + f.name + ")",
                            "codec");
  const std::string& pf = options.pixel_format;
  const bool alpha = options.source.has_alpha;
  auto bad_pixel_format = [&](const char* accepted) {
    return invalid_argument("'" + path + "': pixel format '" + pf + "' is not available for " +
                                f.name + " (accepted: " + accepted + ")",
                            "pixel_format");
  };
  if (f.name == "openexr") {
    if (!pf.empty() && pf != "half" && pf != "float") return bad_pixel_format("half, float");
    f.type = pf == "float" ? OIIO::TypeDesc::FLOAT : OIIO::TypeDesc::HALF;
    f.bits = pf == "float" ? 32 : 16;
    f.encoded = false;
    f.alpha = alpha;
    f.compression = "zip";
  } else if (f.name == "dpx") {
    if (!pf.empty() && pf != "rgb10") return bad_pixel_format("rgb10");
    f.type = OIIO::TypeDesc::UINT16;
    f.bits = 10;
  } else if (f.name == "tiff") {
    if (!pf.empty() && pf != "rgb16" && pf != "rgba16") return bad_pixel_format("rgb16, rgba16");
    f.type = OIIO::TypeDesc::UINT16;
    f.bits = 16;
    f.alpha = alpha;
    f.compression = "zip";
  } else if (f.name == "png") {
    const bool deep = pf == "rgb16" || pf == "rgba16";
    if (!pf.empty() && !deep && pf != "rgb8" && pf != "rgba8")
      return bad_pixel_format("rgb8, rgba8, rgb16, rgba16");
    f.type = deep ? OIIO::TypeDesc::UINT16 : OIIO::TypeDesc::UINT8;
    f.bits = deep ? 16 : 8;
    f.alpha = alpha;
  } else {  // jpeg
    if (!pf.empty() && pf != "rgb8") return bad_pixel_format("rgb8");
    f.quality = 95;
  }
  for (const auto& [key, value] : options.codec_options) {
    if (key == "compression") {
      f.compression = value;
    } else if (key == "quality") {
      char* end = nullptr;
      long q = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end || q < 1 || q > 100)
        return invalid_argument("'" + path + "': quality must be 1..100, got '" + value + "'",
                                "codec_options.quality");
      f.quality = int(q);
    } else {
      return invalid_argument("'" + path + "': unknown image codec option '" + key +
                                  "' (accepted: compression, quality)",
                              "codec_options." + key);
    }
  }
  return f;
}

void remove_quietly(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

class OiioSink final : public FrameSink {
 public:
  OiioSink(std::string path, std::optional<SequencePattern> pattern, SinkOptions options,
           OutputFormat format)
      : path_(std::move(path)),
        pattern_(std::move(pattern)),
        options_(std::move(options)),
        format_(std::move(format)),
        next_number_(image_paths::first_written_number(options_.source.first_frame)) {
    temp_ = temp_path_beside(target_path());
  }

  ~OiioSink() override {
    if (state_ == State::kOpen) abort();
  }

  colour::Transfer transfer() const override {
    return format_.encoded ? options_.transfer : colour::Transfer::kLinear;
  }

  Status write(const Image& frame) override {
    // OIIO reports through geterror(), but a plugin's C++ library may still throw.
    try {
      return write_impl(frame);
    } catch (const std::exception& e) {
      remove_quietly(temp_);
      return io_error("cannot write '" + target_path() + "': " + e.what());
    }
  }

  Status finish() override {
    if (state_ == State::kFinished) return ok_status();
    if (state_ == State::kAborted) return invalid_argument("'" + path_ + "' was aborted");
    if (written_ == 0) return invalid_argument("no frames were written to '" + path_ + "'");
    if (!pattern_) FL_RETURN_IF_ERROR(commit(temp_, path_));
    state_ = State::kFinished;
    return ok_status();
  }

  void abort() override {
    if (state_ != State::kOpen) return;
    remove_quietly(temp_);
    for (const std::string& f : committed_) remove_quietly(f);
    committed_.clear();
    state_ = State::kAborted;
  }

  std::string temp_path() const override { return temp_; }

 private:
  enum class State { kOpen, kFinished, kAborted };

  Status write_impl(const Image& frame) {
    if (state_ != State::kOpen)
      return invalid_argument("'" + path_ + "' is already " +
                              (state_ == State::kFinished ? "finished" : "aborted"));
    if (!pattern_ && written_ > 0)
      return invalid_argument(
          "single-image output takes one frame; use a pattern like "
          "out.%04d" +
          image_paths::extension_of(path_) + " ('" + path_ + "')");
    FL_RETURN_IF_ERROR(check_frame(frame));
    const std::string target = target_path();
    if (Status s = write_file(temp_, target, frame); !s.ok()) {
      remove_quietly(temp_);
      return s;
    }
    if (pattern_) {
      if (Status s = commit(temp_, target); !s.ok()) return s;
      committed_.push_back(target);
      ++next_number_;
      temp_ = temp_path_beside(target_path());
    }
    ++written_;
    return ok_status();
  }

  std::string target_path() const { return pattern_ ? pattern_->path(next_number_) : path_; }

  Status check_frame(const Image& frame) {
    if (frame.empty()) return invalid_argument("empty frame written to '" + path_ + "'");
    if (width_ == 0) {
      width_ = options_.width > 0 ? options_.width : frame.width();
      height_ = options_.height > 0 ? options_.height : frame.height();
    }
    if (frame.bounds() != Rect{0, 0, width_, height_})
      return invalid_argument("frame for '" + path_ + "' is " + std::to_string(frame.width()) +
                              "x" + std::to_string(frame.height()) + " at (" +
                              std::to_string(frame.bounds().x) + "," +
                              std::to_string(frame.bounds().y) + "); expected " +
                              std::to_string(width_) + "x" + std::to_string(height_) + " at (0,0)");
    return ok_status();
  }

  Status commit(const std::string& temp, const std::string& target) {
    std::error_code ec;
    fs::rename(temp, target, ec);
    if (!ec) return ok_status();
    remove_quietly(temp);
    return io_error("cannot move '" + temp + "' onto '" + target + "': " + ec.message());
  }

  OIIO::ImageSpec make_spec(int channels) const {
    OIIO::ImageSpec spec(width_, height_, channels, format_.type);
    if (channels == 4) spec.alpha_channel = 3;
    // We did the unpremultiply (in linear light) ourselves; OIIO must not do it again.
    if (channels == 4 && format_.name == "png") spec.attribute("oiio:UnassociatedAlpha", 1);
    if (format_.name == "jpeg") spec.attribute("jpeg:subsampling", "4:4:4");
    if (format_.bits == 10) spec.attribute("oiio:BitsPerSample", 10);
    if (!format_.compression.empty()) spec.attribute("compression", format_.compression);
    if (format_.quality > 0) spec.attribute("CompressionQuality", format_.quality);
    const Rational rate = options_.frame_rate.num > 0 ? options_.frame_rate : Rational{24, 1};
    const int fps[2] = {rate.num, rate.den};
    spec.attribute("FramesPerSecond", OIIO::TypeRational, fps);
    // OIIO's DPX writer only knows its own header fields.
    if (format_.name == "dpx") spec.attribute("dpx:FrameRate", float(rate.to_double()));
    if (!options_.source.timecode.empty()) {
      std::string tc = image_metadata::add_frames(options_.source.timecode, written_, rate);
      if (auto word = image_metadata::smpte_from_timecode(tc)) {
        const unsigned int value[2] = {*word, 0};
        spec.attribute("smpte:TimeCode", OIIO::TypeTimeCode, value);
      }
    }
    spec.attribute("oiio:ColorSpace",
                   image_metadata::oiio_colorspace_for(
                       format_.encoded ? options_.transfer : colour::Transfer::kLinear));
    // OpenEXR says which primaries its RGB means (an ACES AP0 plate must say so).
    if (format_.name == "openexr") {
      if (auto p = colour::parse_primaries(options_.source.color_primaries); p.ok()) {
        const std::array<float, 8> xy = colour::chromaticities_of(*p);
        spec.attribute("chromaticities", OIIO::TypeDesc(OIIO::TypeDesc::FLOAT, 8), xy.data());
      }
    }
    spec.attribute("Software", "framelock");
    spec.attribute("DateTime", reproducible_date_time(format_.name == "openexr"));
    return spec;
  }

  Status write_file(const std::string& temp, const std::string& target, const Image& frame) {
    const int channels = format_.alpha ? 4 : 3;
    const OIIO::ImageSpec spec = make_spec(channels);
    // Encoding works in place on RGBA; the frame itself is shared and must stay untouched.
    std::vector<float> rgba(frame.data(), frame.data() + frame.float_count());
    if (channels == 4 && format_.name == "png") {
      float* p = rgba.data();
      for (size_t i = 0; i < frame.pixel_count(); ++i, p += 4)
        if (p[3] > 0) p[0] /= p[3], p[1] /= p[3], p[2] /= p[3];
    }
    if (format_.encoded) {
      const auto& curve = colour::TransferCurve::get(options_.transfer);
      if (!curve.is_linear()) curve.rgba_to_encoded(rgba.data(), frame.pixel_count());
    }
    std::vector<uint16_t> codes;
    OIIO::TypeDesc buffer_type = OIIO::TypeFloat;
    const void* pixels = rgba.data();
    OIIO::stride_t xstride = 4 * sizeof(float);
    if (format_.bits == 10) {
      // Bit replication makes OIIO's 16 -> 10 truncation return exactly the rounded code.
      codes.resize(frame.pixel_count() * 3);
      for (size_t i = 0; i < frame.pixel_count(); ++i)
        for (int c = 0; c < 3; ++c) {
          float v = rgba[i * 4 + c];
          v = std::isnan(v) ? 0.f : std::clamp(v, 0.f, 1.f);
          auto code = uint16_t(std::lround(v * 1023.f));
          codes[i * 3 + c] = uint16_t(code << 6 | code >> 4);
        }
      buffer_type = OIIO::TypeDesc::UINT16;
      pixels = codes.data();
      xstride = 3 * sizeof(uint16_t);
    }
    auto out = OIIO::ImageOutput::create(format_.name);
    if (!out) return unsupported("no OIIO writer for " + format_.name + " ('" + target + "')");
    if (!out->open(temp, spec))
      return io_error("cannot write '" + target + "': " + out->geterror());
    bool ok = out->write_image(buffer_type, pixels, xstride);
    std::string why = ok ? std::string() : out->geterror();
    if (!out->close() && ok) {
      ok = false;
      why = out->geterror();
    }
    if (!ok) return io_error("cannot write '" + target + "': " + why);
    return ok_status();
  }

  std::string path_;
  std::optional<SequencePattern> pattern_;
  SinkOptions options_;
  OutputFormat format_;
  int64_t next_number_;
  int64_t written_ = 0;
  int width_ = 0, height_ = 0;
  std::string temp_;                    // the file being (or about to be) written
  std::vector<std::string> committed_;  // sequence frames already renamed into place
  State state_ = State::kOpen;
};

Result<std::unique_ptr<FrameSink>> open_sink_impl(const std::string& path,
                                                  const SinkOptions& options) {
  FL_ASSIGN_OR_RETURN(OutputFormat format, output_format_for(path, options));
  std::optional<SequencePattern> pattern;
  std::string dir = fs::path(path).parent_path().string();
  if (image_paths::looks_like_pattern(path)) {
    FL_ASSIGN_OR_RETURN(pattern, image_paths::parse_pattern(path));
    dir = pattern->directory;
  }
  FL_RETURN_IF_ERROR(check_output_directory(dir, path));
  if (!OIIO::ImageOutput::create(format.name)) {
    OIIO::geterror();  // consumed here so it cannot surface in an unrelated later call
    return unsupported("this OpenImageIO build cannot write " + format.name + " ('" + path + "')");
  }
  if (options.width < 0 || options.height < 0)
    return invalid_argument("'" + path + "': negative output size", "width");
  return std::unique_ptr<FrameSink>(
      std::make_unique<OiioSink>(path, std::move(pattern), options, std::move(format)));
}

}  // namespace

Result<std::unique_ptr<FrameSink>> oiio_module::open_sink(const std::string& path,
                                                          const SinkOptions& options) {
  try {
    return open_sink_impl(path, options);
  } catch (const std::exception& e) {
    return io_error("cannot open '" + path + "' for writing: " + e.what());
  }
}

}  // namespace fl::io
