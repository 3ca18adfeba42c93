// libFuzzer target for the ASC CDL XML reader (built with -DFL_FUZZ=ON and clang).
// Whatever parses must be valid, write as .ccc and .cdl, and read back to the same numbers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "colour/cdl.h"
#include "colour/cdl_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fl::colour;
  auto parsed =
      parse_cdl_xml(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.ccc");
  if (!parsed.ok()) return 0;
  for (const Cdl& c : *parsed) {
    if (!validate_cdl(c).ok()) std::abort();
    float px[] = {
        0,     0, 0, 1, 1, 1, 1, 1, -0.5f, 2.0f, 0.5f, 1, __builtin_nanf(""), __builtin_inff(),
        -0.0f, 1};
    apply_cdl(c, px, 4, CdlStyle::kNoClamp);
    apply_cdl(c, px, 4, CdlStyle::kAscClamp);
  }
  for (CdlFormat format : {CdlFormat::kCcc, CdlFormat::kCdl}) {
    auto text = format_cdl_xml(*parsed, format);
    if (!text.ok()) std::abort();
    auto again = parse_cdl_xml(*text, "again");
    if (!again.ok() || again->size() != parsed->size()) std::abort();
    // Strings may legitimately change (XML end-of-line and attribute whitespace
    // normalisation), numbers may not.
    for (size_t i = 0; i < parsed->size(); ++i) {
      const Cdl &a = (*parsed)[i], &b = (*again)[i];
      if (a.slope != b.slope || a.offset != b.offset || a.power != b.power ||
          a.saturation != b.saturation) {
        std::abort();
      }
    }
  }
  return 0;
}
