// ofx_host: loads an OFX bundle and drives its plugins as a host would (ofx_host.h).
//
//   ofx_host BUNDLE describe
//       every plugin's description as JSON: id, label, contexts, depths, clips, parameters
//   ofx_host BUNDLE render PLUGIN_ID IN OUT [options] [name=value ...]
//       load, describe, describe in the Filter context, create an instance, set parameters
//       (each followed by kOfxActionInstanceChanged), render IN (any still OIIO reads) at
//       time 0 into OUT (16-bit PNG), destroy, unload.
//       --depth byte|short|float   the images' pixel depth (default float)
//       --tiles N                  render in N x N render windows instead of one
//       --rows up|down             memory rows bottom-up (rowBytes > 0) or top-down (< 0)
//       --premultiplied            hand the plugin premultiplied images
//       --alpha-ramp               give the input an alpha ramp, 1 to 0 across (with IN.alpha.png
//                                  written, the straight input, to compare against)
//       --scale S                  render scale S: the input is box-filtered by 1/S first and
//                                  written to OUT.input.png, the picture it rendered
//       --context C                describe in context C (to check a refusal)
// Exit status 0 when every action the flow needs succeeded, 1 with the reason otherwise.
#include <dlfcn.h>

#include <OpenImageIO/imagebuf.h>
#include <OpenImageIO/imagebufalgo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ofx_host.h"

using namespace ofx_host;

namespace {

int fail(const std::string& why) {
  std::fprintf(stderr, "ofx_host: %s\n", why.c_str());
  return 1;
}

struct Bundle {
  void* lib = nullptr;
  int (*count)() = nullptr;
  OfxPlugin* (*get)(int) = nullptr;
  std::string error;
  explicit Bundle(const std::string& path) {
    const std::string binary =
        path + "/Contents/Linux-x86-64/" +
        path.substr(path.find_last_of('/') + 1, path.find(".bundle") - path.find_last_of('/') - 1);
    lib = dlopen(binary.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      error = dlerror();
      return;
    }
    count = reinterpret_cast<int (*)()>(dlsym(lib, "OfxGetNumberOfPlugins"));
    get = reinterpret_cast<OfxPlugin* (*)(int)>(dlsym(lib, "OfxGetPlugin"));
    if (!count || !get) error = binary + " lacks OfxGetNumberOfPlugins or OfxGetPlugin";
  }
  ~Bundle() {
    if (lib) dlclose(lib);
  }
};

OfxStatus call(OfxPlugin* p, const char* action, void* handle, PropertySet* in = nullptr) {
  return p->mainEntry(action, handle, in ? ofx_host::handle(*in) : nullptr, nullptr);
}

// Load, describe and describe in `context`: what a host does before it shows a plugin.
std::string describe_plugin(OfxPlugin* p, Effect& described, Effect& in_context,
                            const std::string& context) {
  if (std::strcmp(p->pluginApi, kOfxImageEffectPluginApi) != 0 || p->apiVersion != 1)
    return std::string("not an image effect plugin: ") + p->pluginApi;
  p->setHost(&the_host->ofx);
  if (OfxStatus s = call(p, kOfxActionLoad, nullptr); s != kOfxStatOK && s != kOfxStatReplyDefault)
    return "kOfxActionLoad returned " + std::to_string(s);
  declare_effect(described.props);
  if (OfxStatus s = call(p, kOfxActionDescribe, &described); s != kOfxStatOK)
    return "kOfxActionDescribe returned " + std::to_string(s);
  in_context.props = described.props;
  PropertySet args;
  args.set_string(kOfxImageEffectPropContext, 0, context);
  if (OfxStatus s = call(p, kOfxImageEffectActionDescribeInContext, &in_context, &args);
      s != kOfxStatOK)
    return "kOfxImageEffectActionDescribeInContext(" + context + ") returned " + std::to_string(s);
  return {};
}

nlohmann::json describe_json(OfxPlugin* p, const Effect& d, const Effect& c) {
  nlohmann::json j;
  j["id"] = p->pluginIdentifier;
  j["version"] = {p->pluginVersionMajor, p->pluginVersionMinor};
  j["label"] = d.props.get_string(kOfxPropLabel);
  j["grouping"] = d.props.get_string(kOfxImageEffectPluginPropGrouping);
  j["contexts"] = d.props.strings(kOfxImageEffectPropSupportedContexts);
  j["depths"] = d.props.strings(kOfxImageEffectPropSupportedPixelDepths);
  j["tiles"] = d.props.get_int(kOfxImageEffectPropSupportsTiles);
  j["thread_safety"] = d.props.get_string(kOfxImageEffectPluginRenderThreadSafety);
  for (const auto& clip : c.clips) j["clips"].push_back(clip->name);
  for (const auto& param : c.params.list) {
    nlohmann::json q;
    q["name"] = param->name;
    q["type"] = param->type;
    q["hint"] = param->props.get_string(kOfxParamPropHint);
    const PropertySet& pp = param->props;
    for (const char* key : {kOfxParamPropDefault, kOfxParamPropMin, kOfxParamPropMax}) {
      auto it = pp.props.find(key);
      if (it == pp.props.end() || it->second.kind == 0) continue;
      const Property& v = it->second;
      nlohmann::json values = v.kind == 'd'   ? nlohmann::json(v.d)
                              : v.kind == 'i' ? nlohmann::json(v.i)
                                              : nlohmann::json(v.s);
      if (!values.empty()) q[std::string(key).substr(12)] = values;  // "Default", "Min", "Max"
    }
    const auto options = pp.strings(kOfxParamPropChoiceOption);
    if (!options.empty()) q["options"] = options;
    j["params"].push_back(q);
  }
  return j;
}

// `name=value` into the instance's parameter, typed by its OFX type.
std::string set_param(Effect& instance, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos) return "expected name=value, got '" + assignment + "'";
  const std::string name = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  Param* p = instance.params.find(name);
  if (!p) return "the plugin has no parameter '" + name + "'";
  if (p->type == kOfxParamTypeDouble || p->type == kOfxParamTypeDouble3D) {
    size_t at = 0;
    for (double& d : p->d) {
      const size_t comma = value.find(',', at);
      d = std::stod(value.substr(at, comma - at));
      at = comma == std::string::npos ? at : comma + 1;
    }
  } else if (p->type == kOfxParamTypeChoice) {
    const auto options = p->props.strings(kOfxParamPropChoiceOption);
    auto it = std::find(options.begin(), options.end(), value);
    if (it == options.end()) return "'" + value + "' is not an option of " + name;
    p->i = int(it - options.begin());
  } else if (p->type == kOfxParamTypeBoolean) {
    p->i = value == "true" || value == "1";
  } else if (p->type == kOfxParamTypeInteger) {
    p->i = std::stoi(value);
  } else {
    p->s = value;
  }
  return {};
}

struct Options {
  std::string depth = kOfxBitDepthFloat, rows = "up", context = kOfxImageEffectContextFilter;
  int tiles = 1;
  bool premultiplied = false, alpha_ramp = false;
  double scale = 1;
  std::vector<std::string> assignments;
};

size_t pixel_bytes(const std::string& depth) {
  return depth == kOfxBitDepthByte ? 4 : depth == kOfxBitDepthShort ? 8 : 16;
}

// `rgba` (float, straight, top row first) as a host image at `depth`.
void make_image(ImageData& image, const std::vector<float>& rgba, int w, int h, const Options& o) {
  const size_t px = pixel_bytes(o.depth), stride = px * size_t(w);
  image.bytes.assign(stride * size_t(h), 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float* s = &rgba[(size_t(y) * w + x) * 4];
      // OFX's y runs up: the picture's top row is y = h - 1.
      const int oy = h - 1 - y;
      const size_t row = o.rows == "up" ? size_t(oy) : size_t(h - 1 - oy);
      unsigned char* d = &image.bytes[row * stride + size_t(x) * px];
      for (int c = 0; c < 4; ++c) {
        float v = s[c];
        if (o.premultiplied && c < 3) v *= s[3];
        if (o.depth == kOfxBitDepthByte)
          d[c] = uint8_t(std::lround(std::clamp(v, 0.f, 1.f) * 255));
        else if (o.depth == kOfxBitDepthShort)
          reinterpret_cast<uint16_t*>(d)[c] =
              uint16_t(std::lround(std::clamp(v, 0.f, 1.f) * 65535));
        else
          reinterpret_cast<float*>(d)[c] = v;
      }
    }
  PropertySet& p = image.props;
  p.set_string(kOfxPropType, 0, kOfxTypeImage);
  // The row of y = 0: first in memory when rows run up, last when they run down.
  const bool up = o.rows == "up";
  p.set_pointer(kOfxImagePropData, 0, &image.bytes[up ? 0 : stride * size_t(h - 1)]);
  const int bounds[4] = {0, 0, w, h};
  for (int i = 0; i < 4; ++i) p.set_int(kOfxImagePropBounds, i, bounds[i]);
  p.set_int(kOfxImagePropRowBytes, 0, up ? int(stride) : -int(stride));
  p.set_string(kOfxImageEffectPropPixelDepth, 0, o.depth);
  p.set_string(kOfxImageEffectPropComponents, 0, kOfxImageComponentRGBA);
  p.set_string(kOfxImageEffectPropPreMultiplication, 0,
               o.premultiplied ? kOfxImagePreMultiplied : kOfxImageUnPreMultiplied);
  p.set_double(kOfxImageEffectPropRenderScale, 0, o.scale);
  p.set_double(kOfxImageEffectPropRenderScale, 1, o.scale);
}

std::vector<float> read_image(const ImageData& image, int w, int h, const Options& o) {
  std::vector<float> rgba(size_t(w) * h * 4);
  const size_t px = pixel_bytes(o.depth), stride = px * size_t(w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int oy = h - 1 - y;
      const size_t row = o.rows == "up" ? size_t(oy) : size_t(h - 1 - oy);
      const unsigned char* s = &image.bytes[row * stride + size_t(x) * px];
      float* d = &rgba[(size_t(y) * w + x) * 4];
      for (int c = 0; c < 4; ++c)
        d[c] = o.depth == kOfxBitDepthByte    ? s[c] / 255.f
               : o.depth == kOfxBitDepthShort ? reinterpret_cast<const uint16_t*>(s)[c] / 65535.f
                                              : reinterpret_cast<const float*>(s)[c];
      if (o.premultiplied && d[3] > 0) d[0] /= d[3], d[1] /= d[3], d[2] /= d[3];
    }
  return rgba;
}

// 16-bit RGBA (straight alpha, as PNG keeps it), or RGB when `alpha` is false.
bool write_png(const std::string& path, const std::vector<float>& rgba, int w, int h,
               bool alpha = true) {
  OIIO::ImageSpec spec(w, h, 4, OIIO::TypeDesc::UINT16);
  spec.attribute("oiio:UnassociatedAlpha", 1);  // the values are straight: write them as they are
  OIIO::ImageBuf out(spec);
  out.set_pixels(out.roi(), OIIO::TypeFloat, rgba.data());
  if (!alpha) out = OIIO::ImageBufAlgo::channels(out, 3, {0, 1, 2});
  return out.write(path);
}

// A still as float RGBA with straight alpha (OIIO would otherwise premultiply on reading).
bool read_straight(const std::string& path, OIIO::ImageBuf& out) {
  OIIO::ImageSpec config;
  config.attribute("oiio:UnassociatedAlpha", 1);
  out = OIIO::ImageBuf(path, 0, 0, nullptr, &config);
  return out.read(0, 0, true, OIIO::TypeFloat);
}

int render(OfxPlugin* p, const std::string& in_path, const std::string& out_path, Options o) {
  OIIO::ImageBuf input;
  if (!read_straight(in_path, input)) return fail("cannot read " + in_path);
  OIIO::ImageBuf rgba = OIIO::ImageBufAlgo::channels(input, 4, {0, 1, 2, 3}, {0, 0, 0, 1.f});
  if (o.scale != 1) {
    const int w = int(std::lround(input.spec().width * o.scale));
    const int h = int(std::lround(input.spec().height * o.scale));
    rgba = OIIO::ImageBufAlgo::resize(rgba, "box", 0, OIIO::ROI(0, w, 0, h, 0, 1, 0, 4));
  }
  const int w = rgba.spec().width, h = rgba.spec().height;
  std::vector<float> pixels(size_t(w) * h * 4);
  rgba.get_pixels(rgba.roi(), OIIO::TypeFloat, pixels.data());
  if (o.alpha_ramp)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) pixels[(size_t(y) * w + x) * 4 + 3] = 1.f - float(x) / float(w);
  const bool alpha = input.spec().nchannels >= 4 || o.alpha_ramp;
  if (o.scale != 1 || o.alpha_ramp) {
    // What the plugin is handed, as a file the reference render can read.
    const std::string input_copy = out_path + ".input.png";
    if (!write_png(input_copy, pixels, w, h, alpha)) return fail("cannot write " + input_copy);
    OIIO::ImageBuf again;
    read_straight(input_copy, again);
    again = OIIO::ImageBufAlgo::channels(again, 4, {0, 1, 2, 3}, {0, 0, 0, 1.f});
    again.get_pixels(again.roi(), OIIO::TypeFloat, pixels.data());
  }

  Effect described, in_context, instance;
  if (std::string why = describe_plugin(p, described, in_context, o.context); !why.empty())
    return fail(why);
  instantiate(in_context, instance);
  ImageData source, output;
  make_image(source, pixels, w, h, o);
  make_image(output, std::vector<float>(pixels.size(), 0.f), w, h, o);
  Clip* src = instance.clip(kOfxImageEffectSimpleSourceClipName);
  Clip* dst = instance.clip(kOfxImageEffectOutputClipName);
  if (!src || !dst) return fail("the plugin did not define the Source and Output clips");
  src->image = &source;
  dst->image = &output;
  if (OfxStatus s = call(p, kOfxActionCreateInstance, &instance); s != kOfxStatOK)
    return fail("kOfxActionCreateInstance returned " + std::to_string(s));
  for (const std::string& a : o.assignments) {
    if (std::string why = set_param(instance, a); !why.empty()) return fail(why);
    PropertySet args;
    args.set_string(kOfxPropType, 0, kOfxTypeParameter);
    args.set_string(kOfxPropName, 0, a.substr(0, a.find('=')));
    args.set_string(kOfxPropChangeReason, 0, kOfxChangeUserEdited);
    args.set_double(kOfxPropTime, 0, 0);
    args.set_double(kOfxImageEffectPropRenderScale, 0, o.scale);
    args.set_double(kOfxImageEffectPropRenderScale, 1, o.scale);
    if (OfxStatus s = call(p, kOfxActionInstanceChanged, &instance, &args);
        s != kOfxStatOK && s != kOfxStatReplyDefault)
      return fail("kOfxActionInstanceChanged returned " + std::to_string(s));
  }
  int status = 0;
  for (int ty = 0; ty < o.tiles && status == 0; ++ty)
    for (int tx = 0; tx < o.tiles && status == 0; ++tx) {
      PropertySet args;
      args.set_double(kOfxPropTime, 0, 0);
      const int window[4] = {w * tx / o.tiles, h * ty / o.tiles, w * (tx + 1) / o.tiles,
                             h * (ty + 1) / o.tiles};
      for (int i = 0; i < 4; ++i) args.set_int(kOfxImageEffectPropRenderWindow, i, window[i]);
      args.set_double(kOfxImageEffectPropRenderScale, 0, o.scale);
      args.set_double(kOfxImageEffectPropRenderScale, 1, o.scale);
      if (OfxStatus s = call(p, kOfxImageEffectActionRender, &instance, &args); s != kOfxStatOK)
        status = fail("kOfxImageEffectActionRender returned " + std::to_string(s) +
                      (the_host->errors.empty() ? "" : ": " + the_host->errors.back()));
    }
  if (the_host->images_out != 0)
    status = fail(std::to_string(the_host->images_out) + " image(s) fetched and not released");
  if (OfxStatus s = call(p, kOfxActionDestroyInstance, &instance); s != kOfxStatOK)
    status = fail("kOfxActionDestroyInstance returned " + std::to_string(s));
  call(p, kOfxActionUnload, nullptr);
  if (status != 0) return status;
  if (!write_png(out_path, read_image(output, w, h, o), w, h, alpha))
    return fail("cannot write " + out_path);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return fail("usage: ofx_host BUNDLE describe | render ID IN OUT [options]");
  Host host;
  the_host = &host;
  Bundle bundle(argv[1]);
  if (!bundle.error.empty())
    return fail("cannot load " + std::string(argv[1]) + ": " + bundle.error);
  const std::string command = argv[2];
  if (command == "describe") {
    nlohmann::json all = nlohmann::json::array();
    for (int i = 0; i < bundle.count(); ++i) {
      OfxPlugin* p = bundle.get(i);
      Effect described, in_context;
      if (std::string why = describe_plugin(p, described, in_context, kOfxImageEffectContextFilter);
          !why.empty())
        return fail(std::string(p->pluginIdentifier) + ": " + why);
      all.push_back(describe_json(p, described, in_context));
      call(p, kOfxActionUnload, nullptr);
    }
    std::printf("%s\n", all.dump(2).c_str());
    return 0;
  }
  if (command != "render" || argc < 6) return fail("usage: ofx_host BUNDLE render ID IN OUT ...");
  Options o;
  for (int i = 6; i < argc; ++i) {
    const std::string a = argv[i];
    const bool more = i + 1 < argc;
    if (a == "--depth" && more) {
      const std::string d = argv[++i];
      o.depth = d == "byte"    ? kOfxBitDepthByte
                : d == "short" ? kOfxBitDepthShort
                               : kOfxBitDepthFloat;
    } else if (a == "--tiles" && more) {
      o.tiles = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--rows" && more) {
      o.rows = argv[++i];
    } else if (a == "--scale" && more) {
      o.scale = std::atof(argv[++i]);
    } else if (a == "--context" && more) {
      o.context = argv[++i];
    } else if (a == "--premultiplied") {
      o.premultiplied = true;
    } else if (a == "--alpha-ramp") {
      o.alpha_ramp = true;
    } else {
      o.assignments.push_back(a);
    }
  }
  for (int i = 0; i < bundle.count(); ++i)
    if (bundle.get(i)->pluginIdentifier == std::string(argv[3]))
      return render(bundle.get(i), argv[4], argv[5], o);
  return fail(std::string("the bundle has no plugin ") + argv[3]);
}
