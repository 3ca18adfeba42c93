// libFuzzer target for the OpenTimelineIO JSON reader (built with -DFL_FUZZ=ON and clang).
// Whatever parses must be a well-formed timeline that writes and reads back to the same edit,
// as OTIO and (timing only) as EDL.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "timeline_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fl::io;
  auto parsed =
      parse_otio(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.otio", "");
  if (parsed.ok()) fuzz::check_round_trips(*parsed, false);
  return 0;
}
