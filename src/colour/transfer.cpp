#include "colour/transfer.h"

#include <OpenColorIO/OpenColorIO.h>

#include <bit>
#include <cmath>
#include <mutex>
#include <vector>

namespace OCIO = OCIO_NAMESPACE;

namespace fl::colour {

std::string_view transfer_name(Transfer t) {
  switch (t) {
    case Transfer::kLinear:
      return "linear";
    case Transfer::kSrgb:
      return "srgb";
    case Transfer::kBt709:
      return "rec709";
    case Transfer::kGamma22:
      return "gamma22";
    case Transfer::kGamma24:
      return "gamma24";
    case Transfer::kGamma28:
      return "gamma28";
  }
  return "unknown";
}

Result<Transfer> parse_transfer(std::string_view name) {
  if (name == "linear") return Transfer::kLinear;
  if (name == "srgb" || name == "iec61966-2-1" || name == "iec61966_2_1") return Transfer::kSrgb;
  if (name == "rec709" || name == "bt709" || name == "smpte170m" || name == "bt601" ||
      name == "bt2020-10" || name == "bt2020-12" || name == "bt2020_10" || name == "bt2020_12")
    return Transfer::kBt709;
  if (name == "gamma22" || name == "bt470m") return Transfer::kGamma22;
  if (name == "gamma24" || name == "bt1886") return Transfer::kGamma24;
  if (name == "gamma28" || name == "bt470bg") return Transfer::kGamma28;
  return invalid_argument("unknown transfer function '" + std::string(name) +
                          "' (expected linear, srgb, rec709, gamma22, gamma24 or gamma28)");
}

Transfer transfer_for_media(std::string_view trc_tag, bool float_format, bool still_image) {
  if (!trc_tag.empty() && trc_tag != "unknown" && trc_tag != "unspecified" &&
      trc_tag != "reserved") {
    auto parsed = parse_transfer(trc_tag);
    if (parsed.ok()) return *parsed;
  }
  if (float_format) return Transfer::kLinear;
  return still_image ? Transfer::kSrgb : Transfer::kBt709;
}

namespace {

// OCIO's forward direction of these transforms decodes (code value -> linear); inverse encodes.
OCIO::ConstCPUProcessorRcPtr make_processor(Transfer t, OCIO::TransformDirection dir) {
  OCIO::TransformRcPtr transform;
  if (t == Transfer::kSrgb || t == Transfer::kBt709) {
    double gamma = t == Transfer::kSrgb ? 2.4 : 1.0 / 0.45;
    double offset = t == Transfer::kSrgb ? 0.055 : 0.099;
    auto tr = OCIO::ExponentWithLinearTransform::Create();
    tr->setGamma({gamma, gamma, gamma, 1.0});
    tr->setOffset({offset, offset, offset, 0.0});
    transform = tr;
  } else if (t == Transfer::kLinear) {
    transform = OCIO::MatrixTransform::Create();
  } else {
    double gamma = t == Transfer::kGamma22 ? 2.2 : t == Transfer::kGamma24 ? 2.4 : 2.8;
    auto tr = OCIO::ExponentTransform::Create();
    tr->setValue({gamma, gamma, gamma, 1.0});
    tr->setNegativeStyle(OCIO::NEGATIVE_MIRROR);
    transform = tr;
  }
  transform->setDirection(dir);
  return OCIO::Config::CreateRaw()->getProcessor(transform)->getDefaultCPUProcessor();
}

// Applies `proc` to single values through an RGB packed buffer.
void apply_scalar(const OCIO::ConstCPUProcessorRcPtr& proc, std::vector<float>& values) {
  std::vector<float> rgb(values.size() * 3);
  for (size_t i = 0; i < values.size(); ++i)
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = values[i];
  OCIO::PackedImageDesc desc(rgb.data(), long(values.size()), 1, 3);
  proc->apply(desc);
  for (size_t i = 0; i < values.size(); ++i) values[i] = rgb[3 * i];
}

}  // namespace

TransferCurve::TransferCurve(Transfer t) : transfer_(t) {
  auto decode = make_processor(t, OCIO::TRANSFORM_DIR_FORWARD);
  auto encode = make_processor(t, OCIO::TRANSFORM_DIR_INVERSE);

  std::vector<float> codes(65536);
  for (size_t i = 0; i < codes.size(); ++i) codes[i] = float(i) / 65535.0f;
  apply_scalar(decode, codes);
  u16_to_linear_ = std::make_unique<float[]>(65536);
  std::copy(codes.begin(), codes.end(), u16_to_linear_.get());

  // Entry i holds f(float with bit pattern i << 16); entry 65536 closes the last interval.
  std::vector<float> xs(65537);
  for (uint32_t i = 0; i < 65536; ++i) {
    float x = std::bit_cast<float>(i << 16);
    xs[i] = std::isfinite(x) ? x : 0.0f;
  }
  xs[65536] = xs[65535];
  std::vector<float> lin = xs, enc = xs;
  apply_scalar(decode, lin);
  apply_scalar(encode, enc);
  to_linear_ = std::make_unique<float[]>(65537);
  to_encoded_ = std::make_unique<float[]>(65537);
  std::copy(lin.begin(), lin.end(), to_linear_.get());
  std::copy(enc.begin(), enc.end(), to_encoded_.get());
}

const TransferCurve& TransferCurve::get(Transfer t) {
  static std::once_flag once[6];
  static std::unique_ptr<TransferCurve> curves[6];
  int i = int(t);
  std::call_once(once[i], [&] { curves[i].reset(new TransferCurve(t)); });
  return *curves[i];
}

namespace {

// The body of TransferCurve::lookup, forced inline into the per-pixel loops below (a call per
// channel was 11% of a 4K ProRes render's profile). Same operations, same results.
[[gnu::always_inline]] inline float lookup_inline(const float* table, float x) {
  uint32_t bits = std::bit_cast<uint32_t>(x);
  uint32_t hi = bits >> 16;
  // Non-finite inputs land on NaN/Inf patterns whose entries were built from 0; pass them on.
  if ((hi & 0x7f80u) == 0x7f80u) [[unlikely]]
    return x;
  float a = table[hi];
  // The entry after the most negative/positive boundary belongs to the other sign; stay inside.
  if ((hi & 0x7fffu) == 0x7fffu) [[unlikely]]
    return a;
  float t = float(bits & 0xffffu) * (1.0f / 65536.0f);
  float b = table[hi + 1];
  return a + (b - a) * t;
}

}  // namespace

float TransferCurve::lookup(const float* table, float x) { return lookup_inline(table, x); }

void TransferCurve::rgba_to_linear(float* rgba, size_t pixels) const {
  if (is_linear()) return;
  const float* table = to_linear_.get();
  for (size_t i = 0; i < pixels; ++i, rgba += 4) {
    rgba[0] = lookup_inline(table, rgba[0]);
    rgba[1] = lookup_inline(table, rgba[1]);
    rgba[2] = lookup_inline(table, rgba[2]);
  }
}

void TransferCurve::rgba_to_encoded(float* rgba, size_t pixels) const {
  if (is_linear()) return;
  const float* table = to_encoded_.get();
  for (size_t i = 0; i < pixels; ++i, rgba += 4) {
    rgba[0] = lookup_inline(table, rgba[0]);
    rgba[1] = lookup_inline(table, rgba[1]);
    rgba[2] = lookup_inline(table, rgba[2]);
  }
}

}  // namespace fl::colour
