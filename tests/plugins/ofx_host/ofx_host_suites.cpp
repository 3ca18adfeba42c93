// The test host's suites (ofx_host.h): properties, image effects, parameters, messages.
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "ofx_host.h"

namespace ofx_host {

Host* the_host = nullptr;

namespace {

PropertySet* set_of(OfxPropertySetHandle h) { return reinterpret_cast<PropertySet*>(h); }
Effect* effect_of(OfxImageEffectHandle h) { return reinterpret_cast<Effect*>(h); }
Clip* clip_of(OfxImageClipHandle h) { return reinterpret_cast<Clip*>(h); }
Param* param_of(OfxParamHandle h) { return reinterpret_cast<Param*>(h); }
ParamSet* param_set_of(OfxParamSetHandle h) { return reinterpret_cast<ParamSet*>(h); }

// The property `name` of `h` ready to take a value of `kind` at `index`.
OfxStatus settable(OfxPropertySetHandle h, const char* name, int index, char kind, Property** out) {
  if (!h || !name) return kOfxStatErrBadHandle;
  if (index < 0) return kOfxStatErrBadIndex;
  Property& p = set_of(h)->props[name];
  if (p.kind == 0) p.kind = kind;
  if (p.kind != kind) {
    std::fprintf(stderr, "ofx_host: property %s set with the wrong type ('%c', declared '%c')\n",
                 name, kind, p.kind);
    return kOfxStatErrValue;
  }
  if (p.fixed > 0 && index >= p.fixed) return kOfxStatErrBadIndex;
  *out = &p;
  return kOfxStatOK;
}

template <class T>
void put(std::vector<T>& v, int index, const T& value) {
  if (size_t(index) >= v.size()) v.resize(size_t(index) + 1);
  v[size_t(index)] = value;
}

OfxStatus gettable(OfxPropertySetHandle h, const char* name, int index, char kind,
                   const Property** out) {
  if (!h || !name) return kOfxStatErrBadHandle;
  auto it = set_of(h)->props.find(name);
  if (it == set_of(h)->props.end() || it->second.kind == 0) return kOfxStatErrUnknown;
  if (it->second.kind != kind) return kOfxStatErrValue;
  *out = &it->second;
  return index < 0 ? kOfxStatErrBadIndex : kOfxStatOK;
}

OfxStatus prop_set_pointer(OfxPropertySetHandle h, const char* n, int i, void* v) {
  Property* p = nullptr;
  OfxStatus s = settable(h, n, i, 'p', &p);
  if (s == kOfxStatOK) put(p->p, i, v);
  return s;
}
OfxStatus prop_set_string(OfxPropertySetHandle h, const char* n, int i, const char* v) {
  Property* p = nullptr;
  OfxStatus s = settable(h, n, i, 's', &p);
  if (s == kOfxStatOK) put(p->s, i, std::string(v ? v : ""));
  return s;
}
OfxStatus prop_set_double(OfxPropertySetHandle h, const char* n, int i, double v) {
  Property* p = nullptr;
  OfxStatus s = settable(h, n, i, 'd', &p);
  if (s == kOfxStatOK) put(p->d, i, v);
  return s;
}
OfxStatus prop_set_int(OfxPropertySetHandle h, const char* n, int i, int v) {
  Property* p = nullptr;
  OfxStatus s = settable(h, n, i, 'i', &p);
  if (s == kOfxStatOK) put(p->i, i, v);
  return s;
}
OfxStatus prop_set_pointer_n(OfxPropertySetHandle h, const char* n, int c, void* const* v) {
  for (int i = 0; i < c; ++i)
    if (OfxStatus s = prop_set_pointer(h, n, i, v[i]); s != kOfxStatOK) return s;
  return kOfxStatOK;
}
OfxStatus prop_set_string_n(OfxPropertySetHandle h, const char* n, int c, const char* const* v) {
  for (int i = 0; i < c; ++i)
    if (OfxStatus s = prop_set_string(h, n, i, v[i]); s != kOfxStatOK) return s;
  return kOfxStatOK;
}
OfxStatus prop_set_double_n(OfxPropertySetHandle h, const char* n, int c, const double* v) {
  for (int i = 0; i < c; ++i)
    if (OfxStatus s = prop_set_double(h, n, i, v[i]); s != kOfxStatOK) return s;
  return kOfxStatOK;
}
OfxStatus prop_set_int_n(OfxPropertySetHandle h, const char* n, int c, const int* v) {
  for (int i = 0; i < c; ++i)
    if (OfxStatus s = prop_set_int(h, n, i, v[i]); s != kOfxStatOK) return s;
  return kOfxStatOK;
}

OfxStatus prop_get_pointer(OfxPropertySetHandle h, const char* n, int i, void** v) {
  const Property* p = nullptr;
  OfxStatus s = gettable(h, n, i, 'p', &p);
  if (s != kOfxStatOK) return s;
  if (size_t(i) >= p->p.size()) return kOfxStatErrBadIndex;
  *v = p->p[size_t(i)];
  return kOfxStatOK;
}
OfxStatus prop_get_string(OfxPropertySetHandle h, const char* n, int i, char** v) {
  const Property* p = nullptr;
  OfxStatus s = gettable(h, n, i, 's', &p);
  if (s != kOfxStatOK) return s;
  if (size_t(i) >= p->s.size()) return kOfxStatErrBadIndex;
  *v = const_cast<char*>(p->s[size_t(i)].c_str());
  return kOfxStatOK;
}
OfxStatus prop_get_double(OfxPropertySetHandle h, const char* n, int i, double* v) {
  const Property* p = nullptr;
  OfxStatus s = gettable(h, n, i, 'd', &p);
  if (s != kOfxStatOK) return s;
  if (size_t(i) >= p->d.size()) return kOfxStatErrBadIndex;
  *v = p->d[size_t(i)];
  return kOfxStatOK;
}
OfxStatus prop_get_int(OfxPropertySetHandle h, const char* n, int i, int* v) {
  const Property* p = nullptr;
  OfxStatus s = gettable(h, n, i, 'i', &p);
  if (s != kOfxStatOK) return s;
  if (size_t(i) >= p->i.size()) return kOfxStatErrBadIndex;
  *v = p->i[size_t(i)];
  return kOfxStatOK;
}
OfxStatus prop_get_pointer_n(OfxPropertySetHandle h, const char* n, int c, void** v) {
  for (int i = 0; i < c; ++i)
    if (OfxStatus s = prop_get_pointer(h, n, i, &v[i]); s != kOfxStatOK) return s;
  return kOfxStatOK;
}
OfxStatus prop_get_string_n(OfxPropertySetHandle h, const char* n, int c, char** v) {
  for (int i = 0; i < c; ++i)
    if (OfxStatus s = prop_get_string(h, n, i, &v[i]); s != kOfxStatOK) return s;
  return kOfxStatOK;
}
OfxStatus prop_get_double_n(OfxPropertySetHandle h, const char* n, int c, double* v) {
  for (int i = 0; i < c; ++i)
    if (OfxStatus s = prop_get_double(h, n, i, &v[i]); s != kOfxStatOK) return s;
  return kOfxStatOK;
}
OfxStatus prop_get_int_n(OfxPropertySetHandle h, const char* n, int c, int* v) {
  for (int i = 0; i < c; ++i)
    if (OfxStatus s = prop_get_int(h, n, i, &v[i]); s != kOfxStatOK) return s;
  return kOfxStatOK;
}
OfxStatus prop_reset(OfxPropertySetHandle h, const char* n) {
  if (!h || !n) return kOfxStatErrBadHandle;
  return set_of(h)->props.count(n) ? kOfxStatOK : kOfxStatErrUnknown;
}
OfxStatus prop_get_dimension(OfxPropertySetHandle h, const char* n, int* count) {
  if (!h || !n || !count) return kOfxStatErrBadHandle;
  auto it = set_of(h)->props.find(n);
  if (it == set_of(h)->props.end()) return kOfxStatErrUnknown;
  *count = set_of(h)->dimension(n);
  return kOfxStatOK;
}

const OfxPropertySuiteV1 property_suite = {
    prop_set_pointer,  prop_set_string,   prop_set_double,    prop_set_int,      prop_set_pointer_n,
    prop_set_string_n, prop_set_double_n, prop_set_int_n,     prop_get_pointer,  prop_get_string,
    prop_get_double,   prop_get_int,      prop_get_pointer_n, prop_get_string_n, prop_get_double_n,
    prop_get_int_n,    prop_reset,        prop_get_dimension};

OfxStatus get_property_set(OfxImageEffectHandle e, OfxPropertySetHandle* out) {
  if (!e || !out) return kOfxStatErrBadHandle;
  *out = handle(effect_of(e)->props);
  return kOfxStatOK;
}
OfxStatus get_param_set(OfxImageEffectHandle e, OfxParamSetHandle* out) {
  if (!e || !out) return kOfxStatErrBadHandle;
  *out = reinterpret_cast<OfxParamSetHandle>(&effect_of(e)->params);
  return kOfxStatOK;
}
OfxStatus clip_define(OfxImageEffectHandle e, const char* name, OfxPropertySetHandle* out) {
  if (!e || !name) return kOfxStatErrBadHandle;
  if (effect_of(e)->clip(name)) return kOfxStatErrExists;
  auto clip = std::make_unique<Clip>();
  clip->name = name;
  declare_clip(clip->props);
  clip->props.set_string(kOfxPropName, 0, name);
  if (out) *out = handle(clip->props);
  effect_of(e)->clips.push_back(std::move(clip));
  return kOfxStatOK;
}
OfxStatus clip_get_handle(OfxImageEffectHandle e, const char* name, OfxImageClipHandle* clip,
                          OfxPropertySetHandle* props) {
  if (!e || !name || !clip) return kOfxStatErrBadHandle;
  Clip* c = effect_of(e)->clip(name);
  if (!c) return kOfxStatErrUnknown;
  *clip = reinterpret_cast<OfxImageClipHandle>(c);
  if (props) *props = handle(c->props);
  return kOfxStatOK;
}
OfxStatus clip_get_property_set(OfxImageClipHandle clip, OfxPropertySetHandle* out) {
  if (!clip || !out) return kOfxStatErrBadHandle;
  *out = handle(clip_of(clip)->props);
  return kOfxStatOK;
}
OfxStatus clip_get_image(OfxImageClipHandle clip, OfxTime, const OfxRectD*,
                         OfxPropertySetHandle* out) {
  if (!clip || !out) return kOfxStatErrBadHandle;
  if (!clip_of(clip)->image) return kOfxStatFailed;
  *out = handle(clip_of(clip)->image->props);
  ++the_host->images_out;
  return kOfxStatOK;
}
OfxStatus clip_release_image(OfxPropertySetHandle image) {
  if (!image) return kOfxStatErrBadHandle;
  --the_host->images_out;
  return kOfxStatOK;
}
OfxStatus clip_get_rod(OfxImageClipHandle clip, OfxTime, OfxRectD* bounds) {
  if (!clip || !bounds || !clip_of(clip)->image) return kOfxStatErrBadHandle;
  const PropertySet& p = clip_of(clip)->image->props;
  bounds->x1 = p.get_int(kOfxImagePropBounds, 0);
  bounds->y1 = p.get_int(kOfxImagePropBounds, 1);
  bounds->x2 = p.get_int(kOfxImagePropBounds, 2);
  bounds->y2 = p.get_int(kOfxImagePropBounds, 3);
  return kOfxStatOK;
}
int effect_abort(OfxImageEffectHandle) { return 0; }

const OfxImageEffectSuiteV1 image_effect_suite = {
    get_property_set,
    get_param_set,
    clip_define,
    clip_get_handle,
    clip_get_property_set,
    clip_get_image,
    clip_release_image,
    clip_get_rod,
    effect_abort,
    [](OfxImageEffectHandle, size_t, OfxImageMemoryHandle*) { return kOfxStatErrUnsupported; },
    [](OfxImageMemoryHandle) { return kOfxStatErrUnsupported; },
    [](OfxImageMemoryHandle, void**) { return kOfxStatErrUnsupported; },
    [](OfxImageMemoryHandle) { return kOfxStatErrUnsupported; }};

OfxStatus param_define(OfxParamSetHandle set, const char* type, const char* name,
                       OfxPropertySetHandle* out) {
  if (!set || !type || !name) return kOfxStatErrBadHandle;
  ParamSet& ps = *param_set_of(set);
  if (ps.find(name)) return kOfxStatErrExists;
  const std::string t = type;
  char kind = 0;
  int n = 1;
  if (t == kOfxParamTypeDouble) {
    kind = 'd';
  } else if (t == kOfxParamTypeDouble3D) {
    kind = 'd', n = 3;
  } else if (t == kOfxParamTypeInteger || t == kOfxParamTypeBoolean || t == kOfxParamTypeChoice) {
    kind = 'i';
  } else if (t == kOfxParamTypeString) {
    kind = 's';
  } else {
    std::fprintf(stderr, "ofx_host: parameter type %s is not one this host offers\n", type);
    return kOfxStatErrUnsupported;
  }
  auto p = std::make_unique<Param>();
  p->type = t;
  p->name = name;
  PropertySet& props = p->props;
  props.declare(kOfxPropType, 's', 1);
  props.declare(kOfxPropName, 's', 1);
  props.declare(kOfxPropLabel, 's', 1);
  props.declare(kOfxParamPropType, 's', 1);
  props.declare(kOfxParamPropScriptName, 's', 1);
  props.declare(kOfxParamPropHint, 's', 1);
  props.declare(kOfxParamPropAnimates, 'i', 1);
  props.declare(kOfxParamPropDefault, kind, n);
  if (kind != 's')
    for (const char* bound :
         {kOfxParamPropMin, kOfxParamPropMax, kOfxParamPropDisplayMin, kOfxParamPropDisplayMax})
      props.declare(bound, kind, n);
  if (t == kOfxParamTypeChoice) props.declare(kOfxParamPropChoiceOption, 's');
  if (t == kOfxParamTypeString) props.declare(kOfxParamPropStringMode, 's', 1);
  props.set_string(kOfxPropType, 0, kOfxTypeParameter);
  props.set_string(kOfxPropName, 0, name);
  props.set_string(kOfxParamPropType, 0, type);
  if (out) *out = handle(props);
  ps.list.push_back(std::move(p));
  return kOfxStatOK;
}
OfxStatus param_get_handle(OfxParamSetHandle set, const char* name, OfxParamHandle* param,
                           OfxPropertySetHandle* props) {
  if (!set || !name || !param) return kOfxStatErrBadHandle;
  Param* p = param_set_of(set)->find(name);
  if (!p) return kOfxStatErrUnknown;
  *param = reinterpret_cast<OfxParamHandle>(p);
  if (props) *props = handle(p->props);
  return kOfxStatOK;
}
OfxStatus param_set_get_property_set(OfxParamSetHandle set, OfxPropertySetHandle* out) {
  if (!set || !out) return kOfxStatErrBadHandle;
  *out = handle(param_set_of(set)->props);
  return kOfxStatOK;
}
OfxStatus param_get_property_set(OfxParamHandle param, OfxPropertySetHandle* out) {
  if (!param || !out) return kOfxStatErrBadHandle;
  *out = handle(param_of(param)->props);
  return kOfxStatOK;
}
OfxStatus read_value(const Param& p, va_list args) {
  if (p.type == kOfxParamTypeDouble || p.type == kOfxParamTypeDouble3D) {
    for (double v : p.d) *va_arg(args, double*) = v;
  } else if (p.type == kOfxParamTypeString) {
    *va_arg(args, char**) = const_cast<char*>(p.s.c_str());
  } else {
    *va_arg(args, int*) = p.i;
  }
  return kOfxStatOK;
}
OfxStatus param_get_value(OfxParamHandle param, ...) {
  if (!param) return kOfxStatErrBadHandle;
  va_list args;
  va_start(args, param);
  OfxStatus s = read_value(*param_of(param), args);
  va_end(args);
  return s;
}
OfxStatus param_get_value_at_time(OfxParamHandle param, OfxTime time, ...) {
  if (!param) return kOfxStatErrBadHandle;
  va_list args;
  va_start(args, time);  // one value for all time: this host keys nothing
  OfxStatus s = read_value(*param_of(param), args);
  va_end(args);
  return s;
}
OfxStatus param_unsupported(OfxParamHandle, ...) { return kOfxStatErrUnsupported; }
OfxStatus param_unsupported_at(OfxParamHandle, OfxTime, ...) { return kOfxStatErrUnsupported; }
OfxStatus param_unsupported_between(OfxParamHandle, OfxTime, OfxTime, ...) {
  return kOfxStatErrUnsupported;
}

const OfxParameterSuiteV1 parameter_suite = {
    param_define,
    param_get_handle,
    param_set_get_property_set,
    param_get_property_set,
    param_get_value,
    param_get_value_at_time,
    param_unsupported_at,
    param_unsupported_between,
    param_unsupported,  // paramSetValue: plugins here never set their own values
    param_unsupported_at,
    [](OfxParamHandle, unsigned int* n) {
      *n = 0;
      return kOfxStatOK;
    },
    [](OfxParamHandle, unsigned int, OfxTime*) { return kOfxStatErrBadIndex; },
    [](OfxParamHandle, OfxTime, int, int*) { return kOfxStatFailed; },
    [](OfxParamHandle, OfxTime) { return kOfxStatErrBadIndex; },
    [](OfxParamHandle) { return kOfxStatOK; },
    [](OfxParamHandle, OfxParamHandle, OfxTime, const OfxRangeD*) {
      return kOfxStatErrUnsupported;
    },
    [](OfxParamSetHandle, const char*) { return kOfxStatOK; },
    [](OfxParamSetHandle) { return kOfxStatOK; }};

OfxStatus message(void*, const char* type, const char* id, const char* format, ...) {
  char text[2048];
  va_list args;
  va_start(args, format);
  std::vsnprintf(text, sizeof text, format, args);
  va_end(args);
  std::fprintf(stderr, "ofx_host: %s from the plugin (%s): %s\n", type ? type : "?", id ? id : "",
               text);
  if (type && !std::strcmp(type, kOfxMessageError)) the_host->errors.push_back(text);
  return kOfxStatOK;
}
const OfxMessageSuiteV1 message_suite = {message};

const void* fetch_suite(OfxPropertySetHandle, const char* name, int version) {
  if (!name || version != 1) return nullptr;
  if (!std::strcmp(name, kOfxPropertySuite)) return &property_suite;
  if (!std::strcmp(name, kOfxImageEffectSuite)) return &image_effect_suite;
  if (!std::strcmp(name, kOfxParameterSuite)) return &parameter_suite;
  if (!std::strcmp(name, kOfxMessageSuite)) return &message_suite;
  return nullptr;
}

}  // namespace

Host::Host() {
  props.set_string(kOfxPropType, 0, kOfxTypeImageEffectHost);
  props.set_string(kOfxPropName, 0, "org.framelock.testhost");
  props.set_string(kOfxPropLabel, 0, "framelock OFX test host");
  ofx.host = handle(props);
  ofx.fetchSuite = fetch_suite;
}

}  // namespace ofx_host
