// libFuzzer target for the watermark detector's input: frames of any size and content (what a
// damaged or hostile file decodes to), including sizes the detector must refuse and frames that
// change size mid-stream. Whatever it is fed, it answers with bounded figures and no payload
// made up from noise; informed, it names nothing outside the ledger it was given.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "provenance/watermark_detect.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fl::provenance;
  if (size < 4) return 0;
  // Small frames keep one detection cheap.
  const int w = 8 + data[0] % 120, h = 8 + data[1] % 120;
  const bool resize_midway = data[2] & 1;
  static const auto layout = std::make_shared<MarkLayout>(WatermarkKey{});
  DetectOptions options;
  options.candidates = 1 + data[3] % 4;
  options.min_tile = options.max_tile = 0.5;  // one tile size: what the fuzzer explores is input
  WatermarkDetector detector(layout, options);
  std::vector<uint8_t> frame(size_t(w) * size_t(h));
  size_t at = 4;
  for (int f = 0; f < 6 && at < size; ++f) {
    for (auto& v : frame) v = data[at++ % size];
    const int fw = resize_midway && f == 3 ? w / 2 + 1 : w;
    detector.add_frame(frame.data(), fw, h, size_t(w), f * 0.4);
  }
  const Detection d = detector.detect();
  if (d.found) std::abort();  // noise never passes a 44-bit check without the key's help
  if (!(d.false_positive >= 0 && d.false_positive <= 1) || d.attempts < 0) std::abort();
  if (!std::isfinite(d.pilot_z)) std::abort();
  // Informed: a small ledger, one record of many epochs; bounded figures, and a payload only
  // from the ledger.
  const IssuedMark issued[] = {{uint64_t(data[0]) << 8 | data[1], 1u + data[2] % 40}, {0x5a3c1, 3}};
  const Detection informed = detector.detect(issued);
  if (!(informed.false_positive >= 0 && informed.false_positive <= 1)) std::abort();
  if (!std::isfinite(informed.data_z) || informed.hypotheses < 0) std::abort();
  if (informed.found && informed.payload.record != issued[0].record &&
      informed.payload.record != issued[1].record)
    std::abort();
  return 0;
}
