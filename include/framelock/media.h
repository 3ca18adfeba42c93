// What a piece of media is: the answer of `framelock probe`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fl {

struct Rational {
  int num = 0;
  int den = 1;
  double to_double() const { return den ? double(num) / den : 0.0; }
  bool operator==(const Rational&) const = default;
};

struct MediaInfo {
  std::string path;
  std::string container;     // "avi", "mov,mp4,m4a,3gp,3g2,mj2", "image_sequence", "png"...
  std::string codec;         // "mjpeg", "prores", "ffv1", "openexr"...
  std::string pixel_format;  // FFmpeg name ("yuv420p10le") or "rgba_half" for images
  int width = 0;
  int height = 0;
  Rational frame_rate{24, 1};
  int64_t frame_count = 0;
  int64_t first_frame = 0;  // first frame number of an image sequence, else 0
  double duration_seconds = 0;
  std::string timecode;  // "01:00:00:00" or empty
  int bit_depth = 8;
  bool has_alpha = false;
  // Colour metadata, FFmpeg's names ("bt709", "iec61966-2-1", "tv"...); "unknown" when untagged.
  std::string color_primaries = "unknown";
  std::string color_transfer = "unknown";
  std::string color_matrix = "unknown";
  std::string color_range = "unknown";
  bool has_audio = false;
  std::string audio_codec;
  int audio_channels = 0;
  int audio_sample_rate = 0;
  // The files a timeline (EDL, OTIO) plays, each once, in record order; empty for other media.
  std::vector<std::string> media_files;
  // What a timeline reader simplified or dropped (transitions as cuts, audio and extra tracks,
  // clips resampled): said by `probe`, and as plan warnings by every render.
  std::vector<std::string> warnings;
};

}  // namespace fl
