// libFuzzer target for the mask shape / keyframe parser (built with -DFL_FUZZ=ON and clang).
// Whatever parses must give a shape at any frame, and that shape must rasterise.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inpaint/shape_track.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fl::inpaint;
  auto track = ShapeTrack::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!track.ok()) return 0;
  if (track->keys().empty()) std::abort();
  for (int64_t f :
       {int64_t(-1), int64_t(0), track->keys().back().frame / 2, track->keys().back().frame + 1}) {
    const Shape s = track->at(f);
    RasterOptions o;
    o.scale = 0.125;
    o.dilate = 3;
    o.feather = 2;
    auto m = rasterise(s, 32, 18, o);
    if (m.size() != 32 * 18) std::abort();
    for (float v : m)
      if (!(v >= 0.0f && v <= 1.0f)) std::abort();
  }
  return 0;
}
