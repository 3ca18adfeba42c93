// Internal to src/io/ffmpeg: the audio a clip output carries, copied (not re-encoded) from a
// source file and cut to the output's frames. The sink and the segment join both use this one
// class, so a joined clip has exactly the audio packets one sink would have written.
#pragma once

#include <memory>
#include <string>

#include "io/ffmpeg/ffmpeg_common.h"

namespace fl::io::ff {

class AudioCopy {
 public:
  // Opens the first audio stream of `source` and adds a stream for it to `out`, whose header is
  // not written yet. Output frame 0 is source frame `first_frame` at `frame_rate`. `where`
  // ("'out.mov': ") prefixes errors about the output.
  static Result<std::unique_ptr<AudioCopy>> open(const std::string& source, int64_t first_frame,
                                                 Rational frame_rate, AVFormatContext* out,
                                                 const std::string& where);

  // Writes (interleaved) the source packets that start before `end_seconds` of output time.
  // Called as the video advances, so the muxer never buffers more than a frame of audio.
  Status copy_until(double end_seconds);

 private:
  AudioCopy() = default;

  std::string where_;
  AVFormatContext* out_ = nullptr;
  InputPtr in_;
  int index_ = -1;
  AVStream* stream_ = nullptr;  // in `out_`
  int64_t start_ = 0;           // in the input audio stream's time base
  PacketPtr pkt_;               // read ahead, not yet written
  bool eof_ = false;
};

}  // namespace fl::io::ff
