// The test host's objects (ofx_host.h): property sets, parameters, effects and their copies.
#include "ofx_host.h"

namespace ofx_host {

void PropertySet::declare(const std::string& name, char kind, int fixed) {
  Property& p = props[name];
  p.kind = kind;
  p.fixed = fixed;
}

void PropertySet::set_string(const std::string& name, int index, const std::string& v) {
  Property& p = props[name];
  p.kind = 's';
  if (size_t(index) >= p.s.size()) p.s.resize(size_t(index) + 1);
  p.s[size_t(index)] = v;
}

void PropertySet::set_int(const std::string& name, int index, int v) {
  Property& p = props[name];
  p.kind = 'i';
  if (size_t(index) >= p.i.size()) p.i.resize(size_t(index) + 1);
  p.i[size_t(index)] = v;
}

void PropertySet::set_double(const std::string& name, int index, double v) {
  Property& p = props[name];
  p.kind = 'd';
  if (size_t(index) >= p.d.size()) p.d.resize(size_t(index) + 1);
  p.d[size_t(index)] = v;
}

void PropertySet::set_pointer(const std::string& name, int index, void* v) {
  Property& p = props[name];
  p.kind = 'p';
  if (size_t(index) >= p.p.size()) p.p.resize(size_t(index) + 1);
  p.p[size_t(index)] = v;
}

std::string PropertySet::get_string(const std::string& name, int index) const {
  auto it = props.find(name);
  if (it == props.end() || it->second.kind != 's' || size_t(index) >= it->second.s.size())
    return {};
  return it->second.s[size_t(index)];
}

std::vector<std::string> PropertySet::strings(const std::string& name) const {
  auto it = props.find(name);
  return it == props.end() || it->second.kind != 's' ? std::vector<std::string>{} : it->second.s;
}

int PropertySet::get_int(const std::string& name, int index, int fallback) const {
  auto it = props.find(name);
  if (it == props.end() || it->second.kind != 'i' || size_t(index) >= it->second.i.size())
    return fallback;
  return it->second.i[size_t(index)];
}

double PropertySet::get_double(const std::string& name, int index, double fallback) const {
  auto it = props.find(name);
  if (it == props.end() || it->second.kind != 'd' || size_t(index) >= it->second.d.size())
    return fallback;
  return it->second.d[size_t(index)];
}

int PropertySet::dimension(const std::string& name) const {
  auto it = props.find(name);
  if (it == props.end()) return 0;
  const Property& p = it->second;
  switch (p.kind) {
    case 'p':
      return int(p.p.size());
    case 's':
      return int(p.s.size());
    case 'd':
      return int(p.d.size());
    case 'i':
      return int(p.i.size());
  }
  return 0;
}

void Param::reset_to_default() {
  if (type == kOfxParamTypeDouble || type == kOfxParamTypeDouble3D) {
    d.assign(type == kOfxParamTypeDouble3D ? 3 : 1, 0.0);
    for (size_t i = 0; i < d.size(); ++i) d[i] = props.get_double(kOfxParamPropDefault, int(i));
  } else if (type == kOfxParamTypeString) {
    s = props.get_string(kOfxParamPropDefault);
  } else {
    i = props.get_int(kOfxParamPropDefault);
  }
}

Param* ParamSet::find(const std::string& name) const {
  for (const auto& p : list)
    if (p->name == name) return p.get();
  return nullptr;
}

Clip* Effect::clip(const std::string& name) const {
  for (const auto& c : clips)
    if (c->name == name) return c.get();
  return nullptr;
}

void declare_effect(PropertySet& p) {
  p.declare(kOfxPropType, 's', 1);
  p.declare(kOfxPropLabel, 's', 1);
  p.declare(kOfxPropPluginDescription, 's', 1);
  p.declare(kOfxImageEffectPluginPropGrouping, 's', 1);
  p.declare(kOfxImageEffectPropSupportedContexts, 's');
  p.declare(kOfxImageEffectPropSupportedPixelDepths, 's');
  p.declare(kOfxImageEffectPropSupportsMultipleClipDepths, 'i', 1);
  p.declare(kOfxImageEffectPropSupportsTiles, 'i', 1);
  p.declare(kOfxImageEffectPropSupportsMultiResolution, 'i', 1);
  p.declare(kOfxImageEffectPropTemporalClipAccess, 'i', 1);
  p.declare(kOfxImageEffectPluginRenderThreadSafety, 's', 1);
  p.declare(kOfxImageEffectPluginPropHostFrameThreading, 'i', 1);
  p.declare(kOfxPropInstanceData, 'p', 1);
  p.set_string(kOfxPropType, 0, kOfxTypeImageEffect);
}

void declare_clip(PropertySet& p) {
  p.declare(kOfxPropType, 's', 1);
  p.declare(kOfxPropName, 's', 1);
  p.declare(kOfxImageEffectPropSupportedComponents, 's');
  p.declare(kOfxImageEffectPropSupportsTiles, 'i', 1);
  p.set_string(kOfxPropType, 0, kOfxTypeClip);
}

void instantiate(const Effect& described, Effect& instance) {
  instance.props = described.props;
  instance.props.set_string(kOfxPropType, 0, kOfxTypeImageEffectInstance);
  instance.props.set_string(kOfxImageEffectPropContext, 0, kOfxImageEffectContextFilter);
  for (const auto& c : described.clips) instance.clips.push_back(std::make_unique<Clip>(*c));
  for (const auto& p : described.params.list) {
    auto copy = std::make_unique<Param>(*p);
    copy->reset_to_default();
    instance.params.list.push_back(std::move(copy));
  }
}

}  // namespace ofx_host
