// framelock.ofx: framelock's operators as OpenFX image effects (docs/plugins.md).
//
// One plugin per operator the library can run as a filter (pointwise, one input), found in the
// library at load time; each one's parameters are its schema's, in the schema's own units and
// ranges, and one more choice, `transfer`, says how the host's values encode light (OFX hosts
// differ: Nuke and Natron work in linear light, Resolve in its timeline's encoding). Pixels go
// through framelock_filter_apply, the same plan, renderer and curves as `framelock apply`.
//
// Filter context, RGBA, 8-bit, 16-bit and float; render windows (tiles) and render scales are
// honoured (a pointwise operator reads each pixel alone, so any window at any scale is exact).
// Renders are instance-safe: the host may render instances in parallel, and the library
// threads each render itself.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "framelock/framelock.h"
#include "ofx_plugin.h"

namespace fl::ofx {
Suites host;
}  // namespace fl::ofx

namespace {

using fl::ofx::kTransferParam;
using fl::ofx::kTransfers;
using fl::ofx::OpPlugin;

// The host's suites by their short names.
const OfxPropertySuiteV1*& props = fl::ofx::host.props;
const OfxImageEffectSuiteV1*& effects = fl::ofx::host.effects;
const OfxParameterSuiteV1*& params = fl::ofx::host.params;
const OfxMessageSuiteV1*& messages = fl::ofx::host.messages;

std::vector<std::unique_ptr<OpPlugin>>& plugins();

// What a host is told about a failure, as the OFX message suite has it (stderr without one).
void tell(OfxImageEffectHandle effect, const std::string& message) {
  if (messages)
    messages->message(effect, kOfxMessageError, "framelock", "%s", message.c_str());
  else
    std::fprintf(stderr, "framelock.ofx: %s\n", message.c_str());
}

struct Instance {
  const OpPlugin* plugin = nullptr;
  framelock_engine* engine = nullptr;
  framelock_filter* filter = nullptr;
  std::string transfer;
  std::vector<std::string> set_texts;  // per schema param, what the filter was last given
  OfxImageClipHandle source = nullptr, output = nullptr;
  OfxParamSetHandle param_set = nullptr;
  ~Instance() {
    framelock_filter_destroy(filter);
    framelock_engine_destroy(engine);
  }
};

// What set_texts holds for a parameter the filter has not been given.
const std::string kUnset = "\x01unset";

std::string number_text(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Parameter `p` of the schema at `time`, as the text framelock_filter_set_param reads; false
// with `text` empty when the host has no such parameter.
bool param_text(const Instance& in, const nlohmann::json& p, OfxTime time, std::string& text) {
  const std::string name = p.value("name", "");
  const std::string type = p.value("type", "");
  OfxParamHandle handle = nullptr;
  if (params->paramGetHandle(in.param_set, name.c_str(), &handle, nullptr) != kOfxStatOK)
    return false;
  if (type == "float") {
    double v = 0;
    params->paramGetValueAtTime(handle, time, &v);
    text = number_text(v);
  } else if (type == "int") {
    int v = 0;
    params->paramGetValueAtTime(handle, time, &v);
    text = std::to_string(v);
  } else if (type == "bool") {
    int v = 0;
    params->paramGetValueAtTime(handle, time, &v);
    text = v ? "true" : "false";
  } else if (type == "vec3") {
    double v[3] = {0, 0, 0};
    params->paramGetValueAtTime(handle, time, &v[0], &v[1], &v[2]);
    text = number_text(v[0]) + "," + number_text(v[1]) + "," + number_text(v[2]);
  } else if (type == "enum") {
    int v = 0;
    params->paramGetValueAtTime(handle, time, &v);
    const auto& choices = p["choices"];
    text = v >= 0 && size_t(v) < choices.size() ? choices[size_t(v)].get<std::string>() : "";
  } else {
    char* v = nullptr;
    params->paramGetValueAtTime(handle, time, &v);
    text = v ? v : "";
  }
  return true;
}

// The filter brought up to the parameters' values at `time`: a new filter when the transfer
// changed, each changed value passed on. A value the library refuses is the host's error.
OfxStatus sync(Instance& in, OfxImageEffectHandle effect, OfxTime time) {
  OfxParamHandle handle = nullptr;
  int choice = 0;
  if (params->paramGetHandle(in.param_set, kTransferParam, &handle, nullptr) == kOfxStatOK)
    params->paramGetValueAtTime(handle, time, &choice);
  const std::string transfer =
      kTransfers[size_t(std::clamp(choice, 0, int(kTransfers.size()) - 1))];
  const auto& schema_params = in.plugin->schema["params"];
  // An empty string is the schema's default (or, with none, unset: the library names it when it
  // renders). Clearing a value the filter holds takes a new filter.
  std::vector<std::string> texts(schema_params.size());
  std::vector<bool> known(schema_params.size());
  bool cleared = false;
  for (size_t i = 0; i < schema_params.size(); ++i) {
    known[i] = param_text(in, schema_params[i], time, texts[i]);
    cleared = cleared || (known[i] && texts[i].empty() && i < in.set_texts.size() &&
                          !in.set_texts[i].empty() && in.set_texts[i] != kUnset);
  }
  if (!in.filter || transfer != in.transfer || cleared) {
    framelock_filter* made = nullptr;
    if (framelock_filter_create(in.engine, in.plugin->op.c_str(), transfer.c_str(), &made) !=
        FRAMELOCK_OK) {
      tell(effect, framelock_last_error_message());
      return kOfxStatFailed;
    }
    framelock_filter_destroy(in.filter);
    in.filter = made;
    in.transfer = transfer;
    in.set_texts.assign(schema_params.size(), kUnset);
  }
  for (size_t i = 0; i < schema_params.size(); ++i) {
    if (!known[i] || texts[i] == in.set_texts[i]) continue;
    if (!texts[i].empty() &&
        framelock_filter_set_param(in.filter, schema_params[i].value("name", "").c_str(),
                                   texts[i].c_str()) != FRAMELOCK_OK) {
      tell(effect, in.plugin->op + ": " + framelock_last_error_message());
      return kOfxStatFailed;
    }
    in.set_texts[i] = texts[i];
  }
  return kOfxStatOK;
}

struct Image {
  OfxPropertySetHandle handle = nullptr;
  unsigned char* data = nullptr;
  OfxRectI bounds{};
  int row_bytes = 0;
  std::string depth, components, premultiplication;
  ~Image() {
    if (handle) effects->clipReleaseImage(handle);
  }
  bool fetch(OfxImageClipHandle clip, OfxTime time) {
    if (effects->clipGetImage(clip, time, nullptr, &handle) != kOfxStatOK) return false;
    void* p = nullptr;
    char* s = nullptr;
    props->propGetPointer(handle, kOfxImagePropData, 0, &p);
    data = static_cast<unsigned char*>(p);
    props->propGetIntN(handle, kOfxImagePropBounds, 4, &bounds.x1);
    props->propGetInt(handle, kOfxImagePropRowBytes, 0, &row_bytes);
    if (props->propGetString(handle, kOfxImageEffectPropPixelDepth, 0, &s) == kOfxStatOK) depth = s;
    if (props->propGetString(handle, kOfxImageEffectPropComponents, 0, &s) == kOfxStatOK)
      components = s;
    if (props->propGetString(handle, kOfxImageEffectPropPreMultiplication, 0, &s) == kOfxStatOK)
      premultiplication = s;
    return data != nullptr;
  }
  unsigned char* at(int x, int y, size_t pixel) const {
    return data + ptrdiff_t(y - bounds.y1) * row_bytes +
           ptrdiff_t(x - bounds.x1) * ptrdiff_t(pixel);
  }
};

float read_channel(const unsigned char* p, framelock_pixel_format f, size_t c) {
  if (f == FRAMELOCK_RGBA_U8) return p[c] / 255.f;
  if (f == FRAMELOCK_RGBA_U16) return reinterpret_cast<const uint16_t*>(p)[c] / 65535.f;
  return reinterpret_cast<const float*>(p)[c];
}

void write_channel(unsigned char* p, framelock_pixel_format f, size_t c, float v) {
  if (f == FRAMELOCK_RGBA_F32) {
    reinterpret_cast<float*>(p)[c] = v;
    return;
  }
  const float top = f == FRAMELOCK_RGBA_U8 ? 255.f : 65535.f;
  const long code = std::lround(std::clamp(v, 0.f, 1.f) * top);
  if (f == FRAMELOCK_RGBA_U8)
    p[c] = uint8_t(code);
  else
    reinterpret_cast<uint16_t*>(p)[c] = uint16_t(code);
}

OfxStatus render(Instance& in, OfxImageEffectHandle effect, OfxPropertySetHandle args) {
  OfxTime time = 0;
  OfxRectI window{};
  props->propGetDouble(args, kOfxPropTime, 0, &time);
  props->propGetIntN(args, kOfxImageEffectPropRenderWindow, 4, &window.x1);
  if (OfxStatus s = sync(in, effect, time); s != kOfxStatOK) return s;
  Image src, dst;
  if (!src.fetch(in.source, time) || !dst.fetch(in.output, time)) return kOfxStatFailed;
  if (src.components != kOfxImageComponentRGBA || dst.components != kOfxImageComponentRGBA ||
      src.depth != dst.depth) {
    tell(effect, "framelock renders RGBA images of one depth; got " + src.components + " " +
                     src.depth + " in, " + dst.components + " " + dst.depth + " out");
    return kOfxStatErrFormat;
  }
  const framelock_pixel_format format = src.depth == kOfxBitDepthByte    ? FRAMELOCK_RGBA_U8
                                        : src.depth == kOfxBitDepthShort ? FRAMELOCK_RGBA_U16
                                                                         : FRAMELOCK_RGBA_F32;
  const size_t pixel = format == FRAMELOCK_RGBA_U8 ? 4 : format == FRAMELOCK_RGBA_U16 ? 8 : 16;
  window.x1 = std::max({window.x1, src.bounds.x1, dst.bounds.x1});
  window.y1 = std::max({window.y1, src.bounds.y1, dst.bounds.y1});
  window.x2 = std::min({window.x2, src.bounds.x2, dst.bounds.x2});
  window.y2 = std::min({window.y2, src.bounds.y2, dst.bounds.y2});
  const int w = window.x2 - window.x1, h = window.y2 - window.y1;
  if (w <= 0 || h <= 0) return kOfxStatOK;
  // The window, packed (rows may run bottom-up, rowBytes < 0). Premultiplied pixels are divided
  // out in float first: the operator grades colour, and the filter takes straight alpha.
  const bool premultiplied = src.premultiplication == kOfxImagePreMultiplied;
  const framelock_pixel_format work = premultiplied ? FRAMELOCK_RGBA_F32 : format;
  const size_t work_pixel = premultiplied ? 16 : pixel;
  std::vector<unsigned char> buffer(size_t(w) * size_t(h) * work_pixel);
  for (int y = 0; y < h; ++y) {
    const unsigned char* row = src.at(window.x1, window.y1 + y, pixel);
    unsigned char* out = &buffer[size_t(y) * size_t(w) * work_pixel];
    if (!premultiplied) {
      std::memcpy(out, row, size_t(w) * pixel);
      continue;
    }
    auto* f = reinterpret_cast<float*>(out);
    for (int x = 0; x < w; ++x, f += 4, row += pixel) {
      for (size_t c = 0; c < 4; ++c) f[c] = read_channel(row, format, c);
      if (f[3] > 0) f[0] /= f[3], f[1] /= f[3], f[2] /= f[3];
    }
  }
  if (framelock_filter_apply(in.filter, w, h, work, buffer.data(), 0, buffer.data(), 0) !=
      FRAMELOCK_OK) {
    tell(effect, in.plugin->op + ": " + framelock_last_error_message());
    return kOfxStatFailed;
  }
  for (int y = 0; y < h; ++y) {
    unsigned char* row = dst.at(window.x1, window.y1 + y, pixel);
    const unsigned char* from = &buffer[size_t(y) * size_t(w) * work_pixel];
    if (!premultiplied) {
      std::memcpy(row, from, size_t(w) * pixel);
      continue;
    }
    const auto* f = reinterpret_cast<const float*>(from);
    for (int x = 0; x < w; ++x, f += 4, row += pixel) {
      for (size_t c = 0; c < 3; ++c) write_channel(row, format, c, f[c] * f[3]);
      write_channel(row, format, 3, f[3]);
    }
  }
  return kOfxStatOK;
}

OfxStatus create_instance(const OpPlugin& plugin, OfxImageEffectHandle effect) {
  auto in = std::make_unique<Instance>();
  in->plugin = &plugin;
  OfxPropertySetHandle effect_props = nullptr;
  effects->getPropertySet(effect, &effect_props);
  effects->getParamSet(effect, &in->param_set);
  effects->clipGetHandle(effect, kOfxImageEffectSimpleSourceClipName, &in->source, nullptr);
  effects->clipGetHandle(effect, kOfxImageEffectOutputClipName, &in->output, nullptr);
  // The filter renders one frame at a time and keeps nothing across frames: a small cache.
  if (framelock_engine_create(uint64_t(64) << 20, &in->engine) != FRAMELOCK_OK) {
    tell(effect, framelock_last_error_message());
    return kOfxStatErrMemory;
  }
  props->propSetPointer(effect_props, kOfxPropInstanceData, 0, in.release());
  return kOfxStatOK;
}

Instance* instance_of(OfxImageEffectHandle effect) {
  OfxPropertySetHandle effect_props = nullptr;
  void* data = nullptr;
  if (effects->getPropertySet(effect, &effect_props) != kOfxStatOK ||
      props->propGetPointer(effect_props, kOfxPropInstanceData, 0, &data) != kOfxStatOK)
    return nullptr;
  return static_cast<Instance*>(data);
}

OfxStatus dispatch(size_t index, const char* action, const void* handle,
                   OfxPropertySetHandle in_args, OfxPropertySetHandle /*out_args*/) {
  if (index >= plugins().size() || !action) return kOfxStatErrBadIndex;
  const OpPlugin& plugin = *plugins()[index];
  auto effect = static_cast<OfxImageEffectHandle>(const_cast<void*>(handle));
  try {
    if (!std::strcmp(action, kOfxActionLoad))
      return props && effects && params ? kOfxStatOK : kOfxStatErrMissingHostFeature;
    if (!std::strcmp(action, kOfxActionUnload)) return kOfxStatOK;
    if (!std::strcmp(action, kOfxActionDescribe)) return fl::ofx::describe(plugin, effect);
    if (!std::strcmp(action, kOfxImageEffectActionDescribeInContext))
      return fl::ofx::describe_in_context(plugin, effect, in_args);
    if (!std::strcmp(action, kOfxActionCreateInstance)) return create_instance(plugin, effect);
    if (!std::strcmp(action, kOfxActionDestroyInstance)) {
      delete instance_of(effect);
      return kOfxStatOK;
    }
    if (!std::strcmp(action, kOfxImageEffectActionRender)) {
      Instance* in = instance_of(effect);
      return in ? render(*in, effect, in_args) : kOfxStatErrBadHandle;
    }
  } catch (const std::exception& e) {  // nothing may cross into the host
    tell(effect, std::string("internal error: ") + e.what());
    return kOfxStatErrFatal;
  }
  return kOfxStatReplyDefault;
}

// One entry point per plugin: OFX tells a plugin's actions apart only by the function called.
template <size_t N>
OfxStatus entry(const char* action, const void* handle, OfxPropertySetHandle in_args,
                OfxPropertySetHandle out_args) {
  return dispatch(N, action, handle, in_args, out_args);
}
constexpr size_t kMaxPlugins = 32;
template <size_t... N>
constexpr std::array<OfxPluginEntryPoint*, sizeof...(N)> entries(std::index_sequence<N...>) {
  return {&entry<N>...};
}
constexpr auto kEntries = entries(std::make_index_sequence<kMaxPlugins>());

void set_host(OfxHost* host) {
  if (!host || !host->fetchSuite) return;
  props =
      static_cast<const OfxPropertySuiteV1*>(host->fetchSuite(host->host, kOfxPropertySuite, 1));
  effects = static_cast<const OfxImageEffectSuiteV1*>(
      host->fetchSuite(host->host, kOfxImageEffectSuite, 1));
  params =
      static_cast<const OfxParameterSuiteV1*>(host->fetchSuite(host->host, kOfxParameterSuite, 1));
  messages =
      static_cast<const OfxMessageSuiteV1*>(host->fetchSuite(host->host, kOfxMessageSuite, 1));
}

std::vector<std::unique_ptr<OpPlugin>>& plugins() {
  static std::vector<std::unique_ptr<OpPlugin>> list = [] {
    std::vector<std::unique_ptr<OpPlugin>> out;
    int major = 0, minor = 0, patch = 0;
    framelock_version(&major, &minor, &patch);
    for (size_t i = 0; const char* name = framelock_op_name(i); ++i) {
      char* text = nullptr;
      if (framelock_op_schema(name, &text) != FRAMELOCK_OK) continue;
      auto schema = nlohmann::json::parse(text, nullptr, false);
      framelock_free(text);
      if (schema.is_discarded() || !schema.value("pointwise", false) ||
          schema["inputs"].size() != 1 || out.size() == kMaxPlugins)
        continue;
      auto p = std::make_unique<OpPlugin>();
      p->op = name;
      p->id = "org.framelock." + p->op;
      p->label = "framelock " + p->op;
      p->schema = std::move(schema);
      p->plugin = {kOfxImageEffectPluginApi,
                   kOfxImageEffectPluginApiVersion,
                   p->id.c_str(),
                   unsigned(major),
                   unsigned(minor),
                   &set_host,
                   kEntries[out.size()]};
      out.push_back(std::move(p));
    }
    return out;
  }();
  return list;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int OfxGetNumberOfPlugins(void) {
  try {
    return int(plugins().size());
  } catch (...) {
    return 0;
  }
}

extern "C" __attribute__((visibility("default"))) OfxPlugin* OfxGetPlugin(int nth) {
  if (nth < 0 || size_t(nth) >= plugins().size()) return nullptr;
  return &plugins()[size_t(nth)]->plugin;
}
