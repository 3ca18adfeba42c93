// libFuzzer target for the cast-file reader (built with -DFL_FUZZ=ON and clang). Whatever it
// accepts must hold the promises the reader makes, and write out and read back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "analysis/cast_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fl::analysis;
  const auto j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  auto cast = cast_from_json(j);
  if (!cast.ok()) {
    if (cast.status().field().empty()) std::abort();  // every refusal names its field
    return 0;
  }
  for (const Character& c : cast->characters) {
    if (c.id < 1 || c.name.empty() || c.tracks.empty()) std::abort();
    for (const CharacterTrack& t : c.tracks) {
      if (t.boxes.empty() || t.boxes.front().frame != t.start || t.boxes.back().frame != t.end)
        std::abort();
      for (const FaceBox& b : t.boxes)
        if (!(b.w > 0 && b.h > 0 && b.confidence >= 0 && b.confidence <= 1)) std::abort();
    }
  }
  auto again = cast_from_json(cast_to_json(*cast));
  if (!again.ok() || again->characters.size() != cast->characters.size()) std::abort();
  return 0;
}
