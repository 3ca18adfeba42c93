// Where frames come from: a decoded clip or image sequence, as linear float RGBA.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "colour/transfer.h"
#include "framelock/image.h"
#include "framelock/media.h"
#include "framelock/status.h"

namespace fl::io {

struct SourceOptions {
  // Overrides the transfer function read from the media's tags ("srgb", "rec709", "linear"...).
  std::string transfer;
  // Threads the decoder may start of its own; 0: the decoding library chooses (one per core).
  // The renderer passes its scheduler's budget (render/scheduler.h).
  int codec_threads = 0;
};

// A decoded frame as the decoder gave it (its own pixel format), held by reference. What the
// analysis networks read comes from it: any region, scaled by the decoder's own scaler straight
// to 8-bit BGR code values in the source's transfer(), with no full-size RGB frame made (a 4K
// frame read 960 wide costs a fraction of converting it whole).
class DecodedFrame {
 public:
  virtual ~DecodedFrame() = default;
  virtual int width() const = 0;
  virtual int height() const = 0;
  // `region` (frame pixels, widened to whole chroma samples) scaled to out_width x out_height
  // into `out`, `stride` bytes a row. Safe from any thread, while the source reads on.
  virtual Status read_bgr8(const Rect& region, int out_width, int out_height, uint8_t* out,
                           size_t stride) const = 0;
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  virtual const MediaInfo& info() const = 0;
  // The transfer function that was undone to make linear light; sinks re-apply it by default.
  virtual colour::Transfer transfer() const = 0;
  // Frame n (0-based index; for sequences the n-th file) at full resolution, linear float RGBA.
  // Reading n+1 after n continues decoding; any other jump seeks to the keyframe at or before n
  // and decodes forward, so the frame is exact. Not thread-safe: one caller at a time.
  virtual Result<Image> read_frame(int64_t n) = 0;
  // The integer path (render/integer_path.h): frame n as 16-bit code values in transfer(), with
  // no linear float frame made. Readers that cannot, or sources with alpha, say false.
  virtual bool reads_rgb48() const { return false; }
  virtual Result<Rgb48Image> read_frame_rgb48(int64_t n) {
    return unsupported("this reader has no 16-bit RGB path");
  }
  // Frame n decoded and held, to be read at any region and size after the source has moved on
  // (the analysis passes). Readers that cannot say false.
  virtual bool reads_decoded() const { return false; }
  virtual Result<std::shared_ptr<const DecodedFrame>> read_decoded(int64_t n) {
    return unsupported("this reader does not hold decoded frames");
  }
};

// Opens a clip (anything FFmpeg reads) or an image/sequence (OIIO: .exr .dpx .tif .png .jpg,
// `shot.%04d.exr` patterns). Missing, unreadable, damaged and unsupported files fail here with a
// message that names the file.
Result<std::unique_ptr<FrameSource>> open_source(const std::string& path,
                                                 const SourceOptions& options = {});
Result<MediaInfo> probe(const std::string& path);

}  // namespace fl::io
