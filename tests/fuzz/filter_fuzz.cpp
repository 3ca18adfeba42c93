// libFuzzer target for the filter API plugins drive (framelock_filter_*): an operator name, then
// `key=value` lines, then pixels. Whatever a host passes, nothing may crash, a refusal must say
// why, and a frame that renders must be written whole at every depth.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "framelock/framelock.h"

namespace {

framelock_engine* engine() {
  static framelock_engine* e = [] {
    framelock_engine* made = nullptr;
    if (framelock_engine_create(uint64_t(16) << 20, &made) != FRAMELOCK_OK) std::abort();
    return made;
  }();
  return e;
}

void refused_with_reason(framelock_code code) {
  if (code != FRAMELOCK_OK && std::strlen(framelock_last_error_message()) == 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  size_t at = text.find('\n');
  const std::string op = text.substr(0, at);
  framelock_filter* filter = nullptr;
  const framelock_code made = framelock_filter_create(engine(), op.c_str(), "srgb", &filter);
  refused_with_reason(made);
  if (made != FRAMELOCK_OK) return 0;
  // key=value lines up to an empty line; the rest is pixels.
  while (at != std::string::npos && at + 1 < text.size() && text[at + 1] != '\n') {
    const size_t end = text.find('\n', at + 1);
    const std::string line = text.substr(at + 1, end == std::string::npos ? end : end - at - 1);
    at = end;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    refused_with_reason(framelock_filter_set_param(filter, line.substr(0, eq).c_str(),
                                                   line.substr(eq + 1).c_str()));
  }
  const std::string pixels = at == std::string::npos ? std::string() : text.substr(at + 1);
  const int w = 1 + int(pixels.size() % 7), h = 1 + int(pixels.size() / 7 % 5);
  std::vector<uint8_t> in8(size_t(w) * h * 4), out8(in8.size(), 0xAB);
  for (size_t i = 0; i < in8.size(); ++i)
    in8[i] = pixels.empty() ? 0 : uint8_t(pixels[i % pixels.size()]);
  const framelock_code applied =
      framelock_filter_apply(filter, w, h, FRAMELOCK_RGBA_U8, in8.data(), 0, out8.data(), 0);
  refused_with_reason(applied);
  if (applied == FRAMELOCK_OK) {
    std::vector<float> in32(in8.size()), out32(in8.size());
    for (size_t i = 0; i < in8.size(); ++i) in32[i] = in8[i] / 255.f * 3.f - 1.f;  // out of [0, 1]
    refused_with_reason(
        framelock_filter_apply(filter, w, h, FRAMELOCK_RGBA_F32, in32.data(), 0, out32.data(), 0));
    std::vector<uint16_t> in16(in8.size()), out16(in8.size());
    for (size_t i = 0; i < in8.size(); ++i) in16[i] = uint16_t(in8[i] * 257);
    refused_with_reason(
        framelock_filter_apply(filter, w, h, FRAMELOCK_RGBA_U16, in16.data(), 0, out16.data(), 0));
    for (size_t i = 3; i < in8.size(); i += 4)
      if (out8[i] != in8[i]) std::abort();  // alpha is the host's
  }
  framelock_filter_destroy(filter);
  return 0;
}
