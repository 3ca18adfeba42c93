// Operator schemas: declared once per operator, they drive validation, CLI help, `framelock ops`,
// the OpenAPI document, docs/operators.md and plugin parameters.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "framelock/status.h"

namespace fl::graph {

enum class ParamType { kFloat, kInt, kBool, kString, kVec3, kEnum, kPath };
std::string_view param_type_name(ParamType t);

using Vec3 = std::array<double, 3>;
using ParamValue = std::variant<bool, int64_t, double, std::string, Vec3>;

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kFloat;
  std::string doc;
  std::optional<ParamValue> default_value;  // none: the parameter is required
  std::optional<double> min, max;           // inclusive; for vec3, per component
  std::vector<std::string> choices;         // kEnum
  // Value that makes the op a no-op on its own (e.g. exposure stops = 0); for docs and UIs.
  bool required() const { return !default_value.has_value(); }
};

struct InputSpec {
  std::string name;
  bool optional = false;
  std::string doc;
};

// Frames of each input an output frame needs: [frame - before, frame + after].
struct TemporalWindow {
  int before = 0;
  int after = 0;
  bool operator==(const TemporalWindow&) const = default;
};

struct OpSchema {
  std::string name;
  int version = 1;
  std::string doc;
  std::string category = "colour";
  std::vector<InputSpec> inputs;
  std::vector<ParamSpec> params;
  TemporalWindow window;
  bool pointwise = false;  // out(x) depends only on in(x): fusable, tileable anywhere
  bool tileable = true;    // false: the renderer hands the op whole frames

  std::string id() const { return name + "." + std::to_string(version); }
  const ParamSpec* find_param(std::string_view n) const;
  int input_index(std::string_view n) const;
  nlohmann::json to_json() const;
};

// Typed, validated parameters of one node. Every declared parameter is present (defaults filled).
class Params {
 public:
  Params() = default;
  explicit Params(std::map<std::string, ParamValue> values) : values_(std::move(values)) {}

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  double get_float(const std::string& name) const;
  int64_t get_int(const std::string& name) const;
  bool get_bool(const std::string& name) const;
  const std::string& get_string(const std::string& name) const;  // kString, kEnum, kPath
  Vec3 get_vec3(const std::string& name) const;
  const std::map<std::string, ParamValue>& values() const { return values_; }
  // Canonical text used for content keys: sorted names, full-precision numbers.
  std::string canonical() const;

 private:
  std::map<std::string, ParamValue> values_;
};

nlohmann::json param_value_to_json(const ParamValue& v);

// Checks `given` (a JSON object) against the schema; fills defaults. Errors name the field
// ("params.slope") and say what was expected.
Result<Params> validate_params(const OpSchema& schema, const nlohmann::json& given);
// Parses `key=value` strings from the command line into a JSON object typed by the schema.
Result<nlohmann::json> params_from_strings(const OpSchema& schema,
                                           const std::vector<std::string>& assignments);

// Fluent declaration used in each op's folder: OpBuilder("cdl", 1).doc(...).input("in")...
class OpBuilder {
 public:
  OpBuilder(std::string name, int version);
  OpBuilder& doc(std::string d);
  OpBuilder& category(std::string c);
  OpBuilder& input(std::string name, std::string doc = {}, bool optional = false);
  OpBuilder& param_float(std::string name, std::optional<double> def, double min, double max,
                         std::string doc);
  OpBuilder& param_int(std::string name, std::optional<int64_t> def, int64_t min, int64_t max,
                       std::string doc);
  OpBuilder& param_bool(std::string name, bool def, std::string doc);
  OpBuilder& param_vec3(std::string name, std::optional<Vec3> def, double min, double max,
                        std::string doc);
  OpBuilder& param_string(std::string name, std::optional<std::string> def, std::string doc);
  OpBuilder& param_path(std::string name, std::optional<std::string> def, std::string doc);
  OpBuilder& param_enum(std::string name, std::string def, std::vector<std::string> choices,
                        std::string doc);
  OpBuilder& window(int before, int after);
  OpBuilder& pointwise();
  OpBuilder& not_tileable();
  OpSchema build() const { return schema_; }

 private:
  OpSchema schema_;
};

}  // namespace fl::graph
