// libFuzzer target for the CMX3600 EDL reader (built with -DFL_FUZZ=ON and clang).
// Whatever parses must be a well-formed timeline that writes and reads back to the same edit,
// as EDL and (timing only) as OTIO.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "timeline_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fl::io;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Unknown rate (24 or 29.97 DF by the file), and a drop-frame rate given by the caller.
  for (fl::Rational hint : {fl::Rational{0, 1}, fl::Rational{30000, 1001}}) {
    auto parsed = parse_edl(text, "fuzz.edl", "", hint);
    if (parsed.ok()) fuzz::check_round_trips(*parsed, true);
  }
  return 0;
}
