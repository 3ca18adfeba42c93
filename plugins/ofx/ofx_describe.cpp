// What each framelock OFX plugin tells its host: the effect (describe) and, in the Filter
// context, its clips and parameters (describe in context), all from the operator's schema.
#include <cstring>
#include <string>
#include <vector>

#include "framelock/framelock.h"
#include "ofx_plugin.h"

namespace fl::ofx {

namespace {

OfxStatus define_param(OfxParamSetHandle set, const nlohmann::json& p) {
  const auto& props = *host.props;
  const std::string name = p.value("name", ""), type = p.value("type", "");
  const nlohmann::json def = p.contains("default") ? p["default"] : nlohmann::json();
  const bool ranged =
      p.contains("min") && p["min"].is_number() && p.contains("max") && p["max"].is_number();
  const char* ofx_type = type == "float"  ? kOfxParamTypeDouble
                         : type == "int"  ? kOfxParamTypeInteger
                         : type == "bool" ? kOfxParamTypeBoolean
                         : type == "vec3" ? kOfxParamTypeDouble3D
                         : type == "enum" ? kOfxParamTypeChoice
                                          : kOfxParamTypeString;
  OfxPropertySetHandle param = nullptr;
  if (OfxStatus s = host.params->paramDefine(set, ofx_type, name.c_str(), &param); s != kOfxStatOK)
    return s;
  props.propSetString(param, kOfxPropLabel, 0, name.c_str());
  props.propSetString(param, kOfxParamPropScriptName, 0, name.c_str());
  props.propSetString(param, kOfxParamPropHint, 0, p.value("doc", "").c_str());
  if (type == "float" || type == "vec3") {
    const int n = type == "vec3" ? 3 : 1;
    for (int i = 0; i < n; ++i) {
      const nlohmann::json v = type == "vec3" && def.is_array() ? def[size_t(i)] : def;
      props.propSetDouble(param, kOfxParamPropDefault, i, v.is_number() ? v.get<double>() : 0.0);
      if (!ranged) continue;
      const double lo = p["min"].get<double>(), hi = p["max"].get<double>();
      props.propSetDouble(param, kOfxParamPropMin, i, lo);
      props.propSetDouble(param, kOfxParamPropMax, i, hi);
      props.propSetDouble(param, kOfxParamPropDisplayMin, i, lo);
      props.propSetDouble(param, kOfxParamPropDisplayMax, i, hi);
    }
  } else if (type == "int") {
    props.propSetInt(param, kOfxParamPropDefault, 0, def.is_number() ? def.get<int>() : 0);
    if (ranged) {
      props.propSetInt(param, kOfxParamPropMin, 0, p["min"].get<int>());
      props.propSetInt(param, kOfxParamPropMax, 0, p["max"].get<int>());
      props.propSetInt(param, kOfxParamPropDisplayMin, 0, p["min"].get<int>());
      props.propSetInt(param, kOfxParamPropDisplayMax, 0, p["max"].get<int>());
    }
  } else if (type == "bool") {
    props.propSetInt(param, kOfxParamPropDefault, 0, def.is_boolean() && def.get<bool>());
  } else if (type == "enum") {
    int index = 0, i = 0;
    for (const auto& c : p["choices"]) {
      const std::string choice = c.get<std::string>();
      props.propSetString(param, kOfxParamPropChoiceOption, i, choice.c_str());
      if (def.is_string() && choice == def.get<std::string>()) index = i;
      ++i;
    }
    props.propSetInt(param, kOfxParamPropDefault, 0, index);
  } else {
    props.propSetString(param, kOfxParamPropDefault, 0,
                        def.is_string() ? def.get<std::string>().c_str() : "");
    props.propSetString(param, kOfxParamPropStringMode, 0,
                        type == "path" ? kOfxParamStringIsFilePath : kOfxParamStringIsSingleLine);
    props.propSetInt(param, kOfxParamPropAnimates, 0, 0);  // a file or a name is not keyed
  }
  return kOfxStatOK;
}

OfxStatus define_clip(OfxImageEffectHandle effect, const char* name) {
  OfxPropertySetHandle clip = nullptr;
  if (OfxStatus s = host.effects->clipDefine(effect, name, &clip); s != kOfxStatOK) return s;
  host.props->propSetString(clip, kOfxImageEffectPropSupportedComponents, 0,
                            kOfxImageComponentRGBA);
  host.props->propSetInt(clip, kOfxImageEffectPropSupportsTiles, 0, 1);
  return kOfxStatOK;
}

}  // namespace

OfxStatus describe(const OpPlugin& plugin, OfxImageEffectHandle effect) {
  const auto& props = *host.props;
  OfxPropertySetHandle p = nullptr;
  if (OfxStatus s = host.effects->getPropertySet(effect, &p); s != kOfxStatOK) return s;
  props.propSetString(p, kOfxPropLabel, 0, plugin.label.c_str());
  props.propSetString(p, kOfxPropPluginDescription, 0, plugin.schema.value("doc", "").c_str());
  props.propSetString(p, kOfxImageEffectPluginPropGrouping, 0, "framelock");
  props.propSetString(p, kOfxImageEffectPropSupportedContexts, 0, kOfxImageEffectContextFilter);
  const char* depths[] = {kOfxBitDepthFloat, kOfxBitDepthShort, kOfxBitDepthByte};
  for (int i = 0; i < 3; ++i)
    props.propSetString(p, kOfxImageEffectPropSupportedPixelDepths, i, depths[i]);
  props.propSetInt(p, kOfxImageEffectPropSupportsMultipleClipDepths, 0, 0);
  props.propSetInt(p, kOfxImageEffectPropSupportsTiles, 0, 1);
  props.propSetInt(p, kOfxImageEffectPropSupportsMultiResolution, 0, 1);
  props.propSetInt(p, kOfxImageEffectPropTemporalClipAccess, 0, 0);
  // One render at a time per instance (a filter is), any number of instances at once; the
  // library spreads each render over the cores itself, so the host need not slice frames.
  props.propSetString(p, kOfxImageEffectPluginRenderThreadSafety, 0,
                      kOfxImageEffectRenderInstanceSafe);
  props.propSetInt(p, kOfxImageEffectPluginPropHostFrameThreading, 0, 0);
  return kOfxStatOK;
}

OfxStatus describe_in_context(const OpPlugin& plugin, OfxImageEffectHandle effect,
                              OfxPropertySetHandle in_args) {
  char* context = nullptr;
  if (host.props->propGetString(in_args, kOfxImageEffectPropContext, 0, &context) != kOfxStatOK ||
      !context || std::strcmp(context, kOfxImageEffectContextFilter) != 0)
    return kOfxStatErrUnsupported;
  if (OfxStatus s = define_clip(effect, kOfxImageEffectSimpleSourceClipName); s != kOfxStatOK)
    return s;
  if (OfxStatus s = define_clip(effect, kOfxImageEffectOutputClipName); s != kOfxStatOK) return s;
  OfxParamSetHandle set = nullptr;
  if (OfxStatus s = host.effects->getParamSet(effect, &set); s != kOfxStatOK) return s;
  for (const auto& p : plugin.schema["params"])
    if (OfxStatus s = define_param(set, p); s != kOfxStatOK) return s;
  OfxPropertySetHandle transfer = nullptr;
  if (OfxStatus s = host.params->paramDefine(set, kOfxParamTypeChoice, kTransferParam, &transfer);
      s != kOfxStatOK)
    return s;
  host.props->propSetString(transfer, kOfxPropLabel, 0, "transfer");
  host.props->propSetString(transfer, kOfxParamPropScriptName, 0, kTransferParam);
  host.props->propSetString(
      transfer, kOfxParamPropHint, 0,
      "How the host's values encode light: linear for a linear-light host (Nuke, Natron), rec709 "
      "or gamma24 for a Rec.709 timeline (Resolve without colour management), srgb for stills.");
  for (size_t i = 0; i < kTransfers.size(); ++i)
    host.props->propSetString(transfer, kOfxParamPropChoiceOption, int(i), kTransfers[i]);
  host.props->propSetInt(transfer, kOfxParamPropDefault, 0, 0);
  host.props->propSetInt(transfer, kOfxParamPropAnimates, 0, 0);
  return kOfxStatOK;
}

}  // namespace fl::ofx
