// Where frames go: an encoded clip, an image sequence or nowhere (`null`, for benchmarks).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "colour/transfer.h"
#include "framelock/image.h"
#include "framelock/media.h"
#include "framelock/status.h"

namespace fl::io {

struct SinkOptions {
  int width = 0;
  int height = 0;
  Rational frame_rate{24, 1};
  // What the frames came from: picks a lossless/quality-keeping default codec and pixel format
  // (FFV1 at the source bit depth for .mkv, ProRes 4444 vs 422 HQ for .mov) and carries the
  // timecode and colour tags over.
  MediaInfo source;
  colour::Transfer transfer = colour::Transfer::kBt709;  // applied to the linear frames
  std::string codec;         // override: "prores_ks", "dnxhd", "libx264", "libx265", "ffv1"...
  std::string pixel_format;  // override: FFmpeg name, e.g. "yuv422p10le"
  std::map<std::string, std::string> codec_options;  // passed to the encoder (e.g. crf=12)
  // Copy this file's first audio stream when output frames map 1:1 to its frames from
  // `audio_first_frame` on. Empty: no audio.
  std::string audio_source;
  int64_t audio_first_frame = 0;
};

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // Frames are linear float RGBA of exactly width x height (origin 0,0).
  virtual Status write(const Image& frame) = 0;
  // The integer path: frames already as 16-bit code values in `transfer()`, written without a
  // float round trip. Sinks that cannot say false.
  virtual bool writes_rgb48() const { return false; }
  virtual colour::Transfer transfer() const = 0;
  virtual Status write_rgb48(const Rgb48Image& frame) {
    return unsupported("this output has no 16-bit RGB path");
  }
  // Flushes and renames the temporary file onto the final path.
  virtual Status finish() = 0;
  // Removes the temporary file; also what the destructor does when finish() was not reached.
  virtual void abort() = 0;
  // The path frames are being written to before finish() (for tests of the temp+rename rule).
  virtual std::string temp_path() const = 0;
};

// `path` "null" discards frames. The codec follows the extension unless options override it.
// Fails early (no file created) when the directory is not writable or the codec is unknown.
Result<std::unique_ptr<FrameSink>> open_sink(const std::string& path, const SinkOptions& options);

// The files a render of `frames` frames to the image-sequence pattern `path` writes, in order
// (frame k is numbered first + k, first being options.source.first_frame when that is > 0 and 1
// otherwise, as the sink numbers them). Empty when `path` is not a sequence pattern.
Result<std::vector<std::string>> sequence_files(const std::string& path, const SinkOptions& options,
                                                int64_t frames);

// Joins clips written by open_sink() with the same options (consecutive frame ranges of one
// render, video only) into `path` without re-encoding: packets are copied in order with
// timestamps continuing, stream/container metadata (timecode, colour tags, codec tag) from the
// first segment, and the audio of options.audio_source (from options.audio_first_frame, as the
// sink would have copied it) for the joined length. Written to a temp file beside `path` and
// renamed on success; on any error nothing is left behind. Same segments -> same bytes.
// Segments that disagree with the first (codec, size, pixel format, time base, rate) are
// invalid_argument; a missing one not_found; image-sequence paths invalid_argument (a render
// writes those frame by frame).
Status join_segments(const std::vector<std::string>& segments, const std::string& path,
                     const SinkOptions& options);
// True when the encoder open_sink() would choose for `path`/`options` codes every frame on its
// own (ProRes, FFV1, DNxHR, raw video...: AV_CODEC_PROP_INTRA_ONLY), so any frame boundary is a
// valid segment boundary; false for inter codecs (H.264/H.265), where a segment should be a
// longer run; error for paths open_sink cannot write. Image sequences and `null`: true.
Result<bool> segment_any_frame(const std::string& path, const SinkOptions& options);

// SMPTE timecode `timecode` ("hh:mm:ss:ff", ';' for drop-frame) advanced by `frames` at `rate`;
// empty if it does not parse. An output starting at source frame k starts at the source's
// timecode + k.
std::string add_timecode_frames(const std::string& timecode, int64_t frames, Rational rate);

}  // namespace fl::io
