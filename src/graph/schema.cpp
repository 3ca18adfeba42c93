#include "graph/schema.h"

#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include "core/json_text.h"

namespace fl::graph {

using json = nlohmann::json;

std::string_view param_type_name(ParamType t) {
  switch (t) {
    case ParamType::kFloat:
      return "float";
    case ParamType::kInt:
      return "int";
    case ParamType::kBool:
      return "bool";
    case ParamType::kString:
      return "string";
    case ParamType::kVec3:
      return "vec3";
    case ParamType::kEnum:
      return "enum";
    case ParamType::kPath:
      return "path";
  }
  return "unknown";
}

const ParamSpec* OpSchema::find_param(std::string_view n) const {
  for (const auto& p : params)
    if (p.name == n) return &p;
  return nullptr;
}

void OpSchema::check_handle(std::string_view n, std::string_view type,
                            std::initializer_list<ParamType> accepted) const {
  const ParamSpec* spec = find_param(n);
  if (!spec)
    throw std::logic_error("operator '" + name + "' reads parameter '" + std::string(n) +
                           "', which its schema does not declare");
  for (ParamType t : accepted)
    if (spec->type == t) return;
  throw std::logic_error("operator '" + name + "' reads parameter '" + std::string(n) + "' as " +
                         std::string(type) + ", but its schema declares it " +
                         std::string(param_type_name(spec->type)));
}

int OpSchema::input_index(std::string_view n) const {
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].name == n) return int(i);
  return -1;
}

json param_value_to_json(const ParamValue& v) {
  return std::visit([](const auto& x) -> json { return x; }, v);
}

json OpSchema::to_json() const {
  json j;
  j["name"] = name;
  j["version"] = version;
  j["id"] = id();
  j["doc"] = doc;
  j["category"] = category;
  j["pointwise"] = pointwise;
  j["tileable"] = tileable;
  j["window"] = {{"before", window.before}, {"after", window.after}};
  j["alters_likeness"] = likeness_reach_name(likeness.reach);
  j["inputs"] = json::array();
  for (const auto& in : inputs)
    j["inputs"].push_back({{"name", in.name}, {"optional", in.optional}, {"doc", in.doc}});
  j["params"] = json::array();
  for (const auto& p : params) {
    json pj = {{"name", p.name},
               {"type", param_type_name(p.type)},
               {"doc", p.doc},
               {"required", p.required()}};
    if (p.default_value) pj["default"] = param_value_to_json(*p.default_value);
    if (p.min) pj["min"] = *p.min;
    if (p.max) pj["max"] = *p.max;
    if (!p.choices.empty()) pj["choices"] = p.choices;
    j["params"].push_back(pj);
  }
  return j;
}

namespace {

std::string fmt_num(double v) {
  std::ostringstream os;
  os.precision(10);
  os << v;
  return os.str();
}

Status check_range(const ParamSpec& spec, double v, const std::string& field) {
  if (!std::isfinite(v)) return invalid_argument(field + " must be a finite number", field);
  if ((spec.min && v < *spec.min) || (spec.max && v > *spec.max)) {
    return invalid_argument(field + " = " + fmt_num(v) + " is out of range [" +
                                fmt_num(spec.min.value_or(-INFINITY)) + ", " +
                                fmt_num(spec.max.value_or(INFINITY)) + "]",
                            field);
  }
  return ok_status();
}

Result<ParamValue> convert(const ParamSpec& spec, const json& v, const std::string& field) {
  auto wrong = [&](const char* expected) {
    return invalid_argument(field + " must be " + expected + ", got " + json_text(v), field);
  };
  switch (spec.type) {
    case ParamType::kFloat: {
      if (!v.is_number()) return wrong("a number");
      double d = v.get<double>();
      FL_RETURN_IF_ERROR(check_range(spec, d, field));
      return ParamValue(d);
    }
    case ParamType::kInt: {
      if (!v.is_number_integer() &&
          !(v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()))
        return wrong("an integer");
      int64_t i = v.is_number_integer() ? v.get<int64_t>() : int64_t(v.get<double>());
      FL_RETURN_IF_ERROR(check_range(spec, double(i), field));
      return ParamValue(i);
    }
    case ParamType::kBool:
      if (!v.is_boolean()) return wrong("true or false");
      return ParamValue(v.get<bool>());
    case ParamType::kVec3: {
      Vec3 out;
      if (v.is_number()) {  // a single number sets all three channels
        out.fill(v.get<double>());
      } else if (v.is_array() && v.size() == 3 && v[0].is_number() && v[1].is_number() &&
                 v[2].is_number()) {
        for (int i = 0; i < 3; ++i) out[i] = v[i].get<double>();
      } else {
        return wrong("three numbers [r, g, b] or one number");
      }
      for (int i = 0; i < 3; ++i) FL_RETURN_IF_ERROR(check_range(spec, out[i], field));
      return ParamValue(out);
    }
    case ParamType::kEnum: {
      if (!v.is_string()) return wrong("a string");
      std::string s = v.get<std::string>();
      for (const auto& c : spec.choices)
        if (c == s) return ParamValue(s);
      std::string list;
      for (const auto& c : spec.choices) list += (list.empty() ? "" : ", ") + c;
      return invalid_argument(field + " = '" + s + "' is not one of: " + list, field);
    }
    case ParamType::kString:
    case ParamType::kPath:
      if (!v.is_string()) return wrong("a string");
      if (spec.type == ParamType::kPath && v.get<std::string>().empty())
        return invalid_argument(field + " must not be empty", field);
      return ParamValue(v.get<std::string>());
  }
  return internal_error("unhandled parameter type");
}

}  // namespace

Result<Params> validate_params(const OpSchema& schema, const json& given) {
  if (!given.is_null() && !given.is_object())
    return invalid_argument("params must be a JSON object", "params");
  std::map<std::string, ParamValue> values;
  if (given.is_object()) {
    for (const auto& [key, v] : given.items()) {
      const ParamSpec* spec = schema.find_param(key);
      std::string field = "params." + key;
      if (!spec) {
        std::string known;
        for (const auto& p : schema.params) known += (known.empty() ? "" : ", ") + p.name;
        return invalid_argument("unknown parameter '" + key + "' for operator '" + schema.name +
                                    "' (known: " + (known.empty() ? "none" : known) + ")",
                                field);
      }
      FL_ASSIGN_OR_RETURN(values[key], convert(*spec, v, field));
    }
  }
  for (const auto& spec : schema.params) {
    if (values.count(spec.name)) continue;
    if (!spec.default_value)
      return invalid_argument("missing required parameter '" + spec.name + "'",
                              "params." + spec.name);
    values[spec.name] = *spec.default_value;
  }
  return Params(std::move(values));
}

Result<json> params_from_strings(const OpSchema& schema, const std::vector<std::string>& kvs) {
  json out = json::object();
  for (const auto& kv : kvs) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return invalid_argument("expected key=value, got '" + kv + "'");
    std::string key = kv.substr(0, eq), text = kv.substr(eq + 1);
    const ParamSpec* spec = schema.find_param(key);
    if (!spec) {
      // Let validate_params produce the standard unknown-parameter message.
      out[key] = text;
      continue;
    }
    auto number = [&](const std::string& s, double* d) {
      const char* b = s.data();
      auto [p, ec] = std::from_chars(b, b + s.size(), *d);
      return ec == std::errc() && p == b + s.size();
    };
    double d = 0;
    switch (spec->type) {
      case ParamType::kFloat:
      case ParamType::kInt:
        if (!number(text, &d))
          return invalid_argument("params." + key + " must be a number, got '" + text + "'",
                                  "params." + key);
        out[key] = spec->type == ParamType::kInt && std::floor(d) == d ? json(int64_t(d)) : json(d);
        break;
      case ParamType::kBool:
        if (text == "true" || text == "1" || text == "yes")
          out[key] = true;
        else if (text == "false" || text == "0" || text == "no")
          out[key] = false;
        else
          return invalid_argument("params." + key + " must be true or false", "params." + key);
        break;
      case ParamType::kVec3: {
        // "1.1,1,0.9" or "1.1"
        json arr = json::array();
        std::stringstream ss(text);
        std::string part;
        while (std::getline(ss, part, ',')) {
          if (!number(part, &d))
            return invalid_argument("params." + key + " must be r,g,b numbers, got '" + text + "'",
                                    "params." + key);
          arr.push_back(d);
        }
        out[key] = arr.size() == 1 ? arr[0] : arr;
        break;
      }
      default:
        out[key] = text;
    }
  }
  return out;
}

double Params::operator[](const Param<double>& p) const {
  const auto& v = values_.at(p.name());
  if (auto* i = std::get_if<int64_t>(&v)) return double(*i);
  return std::get<double>(v);
}
int64_t Params::operator[](const Param<int64_t>& p) const {
  return std::get<int64_t>(values_.at(p.name()));
}
bool Params::operator[](const Param<bool>& p) const { return std::get<bool>(values_.at(p.name())); }
const std::string& Params::operator[](const Param<std::string>& p) const {
  return std::get<std::string>(values_.at(p.name()));
}
Vec3 Params::operator[](const Param<Vec3>& p) const { return std::get<Vec3>(values_.at(p.name())); }

std::string Params::canonical() const {
  json j = json::object();
  for (const auto& [k, v] : values_) j[k] = param_value_to_json(v);
  return json_text(j);  // std::map keeps keys sorted; nlohmann prints doubles round-trippably
}

OpBuilder::OpBuilder(std::string name, int version) {
  schema_.name = std::move(name);
  schema_.version = version;
}
OpBuilder& OpBuilder::doc(std::string d) {
  schema_.doc = std::move(d);
  return *this;
}
OpBuilder& OpBuilder::category(std::string c) {
  schema_.category = std::move(c);
  return *this;
}
OpBuilder& OpBuilder::input(std::string name, std::string doc, bool optional) {
  schema_.inputs.push_back({std::move(name), optional, std::move(doc)});
  return *this;
}
OpBuilder& OpBuilder::param_float(std::string name, std::optional<double> def, double min,
                                  double max, std::string doc) {
  ParamSpec p{std::move(name), ParamType::kFloat, std::move(doc)};
  if (def) p.default_value = *def;
  p.min = min, p.max = max;
  schema_.params.push_back(std::move(p));
  return *this;
}
OpBuilder& OpBuilder::param_int(std::string name, std::optional<int64_t> def, int64_t min,
                                int64_t max, std::string doc) {
  ParamSpec p{std::move(name), ParamType::kInt, std::move(doc)};
  if (def) p.default_value = *def;
  p.min = double(min), p.max = double(max);
  schema_.params.push_back(std::move(p));
  return *this;
}
OpBuilder& OpBuilder::param_bool(std::string name, bool def, std::string doc) {
  ParamSpec p{std::move(name), ParamType::kBool, std::move(doc)};
  p.default_value = def;
  schema_.params.push_back(std::move(p));
  return *this;
}
OpBuilder& OpBuilder::param_vec3(std::string name, std::optional<Vec3> def, double min, double max,
                                 std::string doc) {
  ParamSpec p{std::move(name), ParamType::kVec3, std::move(doc)};
  if (def) p.default_value = *def;
  p.min = min, p.max = max;
  schema_.params.push_back(std::move(p));
  return *this;
}
OpBuilder& OpBuilder::param_string(std::string name, std::optional<std::string> def,
                                   std::string doc) {
  ParamSpec p{std::move(name), ParamType::kString, std::move(doc)};
  if (def) p.default_value = *def;
  schema_.params.push_back(std::move(p));
  return *this;
}
OpBuilder& OpBuilder::param_path(std::string name, std::optional<std::string> def,
                                 std::string doc) {
  ParamSpec p{std::move(name), ParamType::kPath, std::move(doc)};
  if (def) p.default_value = *def;
  schema_.params.push_back(std::move(p));
  return *this;
}
OpBuilder& OpBuilder::param_enum(std::string name, std::string def,
                                 std::vector<std::string> choices, std::string doc) {
  ParamSpec p{std::move(name), ParamType::kEnum, std::move(doc)};
  p.default_value = std::move(def);
  p.choices = std::move(choices);
  schema_.params.push_back(std::move(p));
  return *this;
}
OpBuilder& OpBuilder::window(int before, int after) {
  schema_.window = {before, after};
  return *this;
}
OpBuilder& OpBuilder::pointwise() {
  schema_.pointwise = true;
  return *this;
}
OpBuilder& OpBuilder::not_tileable() {
  schema_.tileable = false;
  return *this;
}
OpBuilder& OpBuilder::alters_likeness(LikenessReach reach, std::string mask_input,
                                      std::vector<std::string> inside_inputs) {
  schema_.likeness = {reach, std::move(mask_input), std::move(inside_inputs)};
  return *this;
}

std::string_view likeness_reach_name(LikenessReach r) {
  switch (r) {
    case LikenessReach::kNone:
      return "no";
    case LikenessReach::kInsideMask:
      return "inside_mask";
    case LikenessReach::kCharacter:
      return "character";
    case LikenessReach::kFrameEdge:
      return "frame_edge";
    case LikenessReach::kWholeFrame:
      return "whole_frame";
  }
  return "no";
}

}  // namespace fl::graph
