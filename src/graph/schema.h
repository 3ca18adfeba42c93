// Operator schemas: declared once per operator, they drive validation, CLI help, `framelock ops`,
// the OpenAPI document, docs/operators.md and plugin parameters.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
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

template <class T>
class Param;

// Where an operator can alter a person's likeness (the policy's protected likenesses,
// docs/security.md). Colour applied the same way to every pixel of the frame alters nobody's
// likeness; synthesising or replacing pixels, or grading one person apart, does.
enum class LikenessReach {
  kNone,        // a grade or a geometric transform of the whole picture
  kInsideMask,  // replaces pixels where its mask input is (fill)
  kCharacter,   // alters the one character it names (character_lock)
  kFrameEdge,   // synthesises beyond the old edge, continuing whoever touches it (extend)
  kWholeFrame,  // replaces whatever moves: everyone on screen (clean_plate)
};
std::string_view likeness_reach_name(LikenessReach r);

struct LikenessDecl {
  LikenessReach reach = LikenessReach::kNone;
  std::string mask_input;                  // kInsideMask: the input that says where
  std::vector<std::string> inside_inputs;  // inputs that reach the output only inside the mask
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
  LikenessDecl likeness;

  std::string id() const { return name + "." + std::to_string(version); }
  const ParamSpec* find_param(std::string_view n) const;
  int input_index(std::string_view n) const;
  nlohmann::json to_json() const;
  // A typed handle on a declared parameter, made when the op registers: a name the schema does
  // not declare, or a type it does not have, throws std::logic_error there (every test that
  // registers the built-in ops fails), not when a graph happens to use the op.
  template <class T>
  Param<T> param(std::string_view name) const;

 private:
  void check_handle(std::string_view name, std::string_view type,
                    std::initializer_list<ParamType> accepted) const;
};

// How an op's factory reads a parameter: Params::operator[] with the handle its registration
// made (OpSchema::param). T is double, int64_t, bool, std::string (string, enum, path) or Vec3.
template <class T>
class Param {
 public:
  const std::string& name() const { return name_; }

 private:
  friend struct OpSchema;
  explicit Param(std::string_view name) : name_(name) {}
  std::string name_;
};

template <class T>
Param<T> OpSchema::param(std::string_view n) const {
  if constexpr (std::is_same_v<T, double>)
    check_handle(n, "double", {ParamType::kFloat});
  else if constexpr (std::is_same_v<T, int64_t>)
    check_handle(n, "int64_t", {ParamType::kInt});
  else if constexpr (std::is_same_v<T, bool>)
    check_handle(n, "bool", {ParamType::kBool});
  else if constexpr (std::is_same_v<T, std::string>)
    check_handle(n, "std::string", {ParamType::kString, ParamType::kEnum, ParamType::kPath});
  else if constexpr (std::is_same_v<T, Vec3>)
    check_handle(n, "Vec3", {ParamType::kVec3});
  else
    static_assert(sizeof(T) == 0, "a parameter handle is double, int64_t, bool, string or Vec3");
  return Param<T>(n);
}

// Typed, validated parameters of one node. Every declared parameter is present (defaults filled).
class Params {
 public:
  Params() = default;
  explicit Params(std::map<std::string, ParamValue> values) : values_(std::move(values)) {}

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  // By the handles an op's registration made; there is no read by a bare name.
  double operator[](const Param<double>& p) const;
  int64_t operator[](const Param<int64_t>& p) const;
  bool operator[](const Param<bool>& p) const;
  const std::string& operator[](const Param<std::string>& p) const;
  Vec3 operator[](const Param<Vec3>& p) const;
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
  // Where it alters a likeness (LikenessReach); kNone unless declared.
  OpBuilder& alters_likeness(LikenessReach reach, std::string mask_input = {},
                             std::vector<std::string> inside_inputs = {});
  OpSchema build() const { return schema_; }

 private:
  OpSchema schema_;
};

}  // namespace fl::graph
