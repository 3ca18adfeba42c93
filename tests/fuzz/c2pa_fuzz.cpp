// libFuzzer target for the Content Credentials reader: a manifest store, and the PNG, JPEG and
// ISO BMFF containers that carry one, as a damaged or hostile file would give them. The first
// byte picks the entry; whatever follows, the reader answers with a report or an error, never a
// crash, and nothing it was fed is ever "Trusted" (no trust anchors are given).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "provenance/c2pa/container.h"
#include "provenance/c2pa/cose.h"
#include "provenance/c2pa/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fl::c2pa;
  if (size < 1) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  ManifestReport report;
  switch (data[0] % 4) {
    case 0:
      report = validate_store(bytes, "");
      (void)parse_cose_sign1(bytes);
      break;
    case 1:
      if (auto store = read_png_store(bytes); store.ok()) report = validate_store(*store, "");
      break;
    case 2:
      if (auto store = read_jpeg_store(bytes); store.ok()) report = validate_store(*store, "");
      break;
    default: {
      static const std::string path = "/tmp/c2pa_fuzz_" + std::to_string(::getpid()) + ".mp4";
      if (FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
        auto r = read_and_validate(path, "");
        if (r.ok()) report = *r;
      }
      break;
    }
  }
  if (report.state == "Trusted") std::abort();
  return 0;
}
