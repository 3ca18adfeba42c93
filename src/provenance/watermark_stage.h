// The invisible watermark as a frame stage of the one output pipeline (core/output_pipeline.h):
// every frame that passes it carries the payload of its output record, as an equal change of
// R, G and B (so luma alone, whatever the YCbCr matrix, and nothing a chroma subsampling or a
// saturation change can touch).
//
// Strength follows the picture: a per-block texture mask (0.25x in flat areas and skies, up to
// 2.5x in texture) scaled so that the frame's luma PSNR against the unmarked frame is
// `psnr_db`. The pattern depends only on the key, the record and the frame's epoch
// (frame / 4 s of frames), never on a clock: a segment of an output gets the bytes the whole
// render gives it, and a CLI render the bytes of the same job on the server.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "colour/transfer.h"
#include "core/output_pipeline.h"
#include "provenance/watermark_pattern.h"

namespace fl::provenance {

struct MarkOptions {
  uint64_t record = 0;       // the output record the payload names (<= kMaxRecord)
  double frame_rate = 24.0;  // sets the epoch length (4 s of frames)
  double psnr_db = 44.2;     // luma PSNR of a marked frame against the unmarked one
  // The float path marks code values of this curve (the output's); a linear output is marked
  // through sRGB, so that the change is the same to the eye in shadows and highlights.
  colour::Transfer transfer = colour::Transfer::kBt709;
};

inline constexpr double kEpochSeconds = 4.0;
int64_t epoch_frames(double frame_rate);

class WatermarkStage final : public FrameStage {
 public:
  WatermarkStage(std::shared_ptr<const MarkLayout> layout, MarkOptions options);

  std::string_view name() const override { return "watermark"; }
  Status apply(int64_t frame, Image& linear) const override;
  Status apply(int64_t frame, Rgb48Image& codes) const override;

  // The payload frame `frame` carries, and the sign its mark has (mark_sign at its time).
  WatermarkPayload payload(int64_t frame) const;
  double sign(int64_t frame) const;

 private:
  struct Tile {
    int size = 0;
    std::vector<int16_t> q12;    // unit RMS, Q12
    std::vector<int16_t> q12x3;  // the same, each value three times (R, G, B of a pixel)
  };
  std::shared_ptr<const Tile> tile(int64_t frame, int height) const;

  std::shared_ptr<const MarkLayout> layout_;
  MarkOptions options_;
  int64_t epoch_frames_;
  mutable std::mutex mu_;
  // (epoch, size) -> tile: a long output makes one per 4 s; a few are kept.
  mutable std::map<std::pair<uint32_t, int>, std::shared_ptr<const Tile>> tiles_;
};

}  // namespace fl::provenance
