// A minimal OpenFX host, written from the OpenFX 1.4 specification, to test framelock.ofx where
// no OFX host is packaged (Debian 12 has neither Natron nor any other). It implements what an
// image effect host must give a Filter-context plugin: property sets, the property, image
// effect, parameter and message suites, descriptors, instances, clips and images. It is strict
// where the specification is: a property set with the wrong type or outside its dimension, an
// unknown parameter type, a clip or parameter defined twice, and an image not released are
// errors, so a plugin that relies on a lenient host fails here.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../../../plugins/ofx/ofx_abi.h"

namespace ofx_host {

struct Property {
  char kind = 0;  // 'p' pointer, 's' string, 'd' double, 'i' int
  std::vector<void*> p;
  std::vector<std::string> s;
  std::vector<double> d;
  std::vector<int> i;
  int fixed = 0;  // > 0: the dimension the specification gives it (sets beyond are errors)
};

struct PropertySet {
  std::map<std::string, Property> props;
  // Declares `name` of `kind` (and, if fixed > 0, of that dimension) so that a plugin setting it
  // with another type fails, as in a real host.
  void declare(const std::string& name, char kind, int fixed = 0);
  void set_string(const std::string& name, int index, const std::string& v);
  void set_int(const std::string& name, int index, int v);
  void set_double(const std::string& name, int index, double v);
  void set_pointer(const std::string& name, int index, void* v);
  std::string get_string(const std::string& name, int index = 0) const;
  std::vector<std::string> strings(const std::string& name) const;
  int get_int(const std::string& name, int index = 0, int fallback = 0) const;
  double get_double(const std::string& name, int index = 0, double fallback = 0) const;
  int dimension(const std::string& name) const;
};

struct Param {
  std::string type, name;
  PropertySet props;
  std::vector<double> d;  // Double (1), Double3D (3)
  int i = 0;              // Integer, Boolean, Choice
  std::string s;          // String
  void reset_to_default();
};

struct ParamSet {
  PropertySet props;
  std::vector<std::unique_ptr<Param>> list;
  Param* find(const std::string& name) const;
};

struct ImageData {
  PropertySet props;  // what clipGetImage hands the plugin
  std::vector<unsigned char> bytes;
};

struct Clip {
  std::string name;
  PropertySet props;
  ImageData* image = nullptr;  // the frame this clip gives at any time
};

struct Effect {
  PropertySet props;
  ParamSet params;
  std::vector<std::unique_ptr<Clip>> clips;
  Clip* clip(const std::string& name) const;
};

// The host: its property set, the suites it hands out, and bookkeeping the checks read.
struct Host {
  PropertySet props;
  OfxHost ofx{};
  int images_out = 0;               // fetched and not yet released
  std::vector<std::string> errors;  // the plugin's OfxMessageError messages
  Host();
};
extern Host* the_host;

// Descriptor properties of an effect, a clip and a parameter of `type`, as the specification
// types them.
void declare_effect(PropertySet& p);
void declare_clip(PropertySet& p);
// Copies a described effect (properties, clips, parameters at their defaults) into an instance.
void instantiate(const Effect& described, Effect& instance);

inline OfxPropertySetHandle handle(PropertySet& p) {
  return reinterpret_cast<OfxPropertySetHandle>(&p);
}

}  // namespace ofx_host
