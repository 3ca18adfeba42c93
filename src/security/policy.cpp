#include "security/policy.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/file_util.h"

namespace fl::security {
namespace {

using nlohmann::json;

Status field_error(const std::string& source, const std::string& pointer, const std::string& what) {
  return invalid_argument(source + ": " + pointer + ": " + what, pointer);
}

// Every key of `object` must be one of `known`: a misspelt section must not be silently ignored.
Status only_known(const json& object, std::initializer_list<std::string_view> known,
                  const std::string& source, const std::string& pointer) {
  for (const auto& [key, value] : object.items()) {
    bool ok = false;
    for (auto k : known) ok = ok || key == k;
    if (!ok) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return field_error(source, pointer + "/" + key, "unknown field (known: " + list + ")");
    }
  }
  return ok_status();
}

// [{"ops": ["@ai", "lut3d"], "projects": ["show-a"], "role": "artist"}, ...]
Status parse_operators(const json& rules, const std::string& source, Policy& p) {
  if (!rules.is_array())
    return field_error(source, "/operators",
                       "must be a list of rules, e.g. [{\"ops\": [\"@ai\"], \"projects\": "
                       "[\"show-a\"], \"role\": \"artist\"}]");
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string at = "/operators/" + std::to_string(i);
    const json& r = rules[i];
    if (!r.is_object()) return field_error(source, at, "must be an object");
    FL_RETURN_IF_ERROR(only_known(r, {"ops", "projects", "role"}, source, at));
    OperatorRule rule;
    rule.pointer = at;
    if (!r.contains("ops") || !r["ops"].is_array() || r["ops"].empty())
      return field_error(source, at + "/ops", "must list operators (or \"@ai\")");
    for (size_t k = 0; k < r["ops"].size(); ++k) {
      const json& op = r["ops"][k];
      const std::string op_at = at + "/ops/" + std::to_string(k);
      if (!op.is_string() || op.get<std::string>().empty())
        return field_error(source, op_at, "must be an operator's name");
      if (op == "@ai") {
        for (const auto& a : ai_operators()) rule.ops.push_back(a);
      } else if (op.get<std::string>()[0] == '@') {
        return field_error(source, op_at, "the one set of operators is \"@ai\"");
      } else {
        rule.ops.push_back(op.get<std::string>());
      }
    }
    if (r.contains("projects")) {
      if (!r["projects"].is_array())
        return field_error(source, at + "/projects", "must list project ids");
      for (size_t k = 0; k < r["projects"].size(); ++k) {
        const json& pr = r["projects"][k];
        if (!pr.is_string() || !valid_project_id(pr.get<std::string>()))
          return field_error(source, at + "/projects/" + std::to_string(k), "must be a project id");
        rule.projects.push_back(pr.get<std::string>());
      }
    }
    if (r.contains("role")) {
      auto role = r["role"].is_string() ? parse_role(r["role"].get<std::string>()) : std::nullopt;
      if (!role) return field_error(source, at + "/role", "must be viewer, artist or admin");
      rule.role = *role;
    }
    p.operator_rules.push_back(std::move(rule));
  }
  return ok_status();
}

}  // namespace

const std::vector<std::string>& ai_operators() {
  static const std::vector<std::string> ops = {"fill", "clean_plate", "extend", "scene_lock",
                                               "character_lock"};
  return ops;
}

Status Policy::allows_operator(const std::string& op, const Principal& who,
                               const std::string& project) const {
  const OperatorRule* first = nullptr;
  for (const auto& rule : operator_rules) {
    if (std::find(rule.ops.begin(), rule.ops.end(), op) == rule.ops.end()) continue;
    if (!first) first = &rule;
    const bool here = rule.projects.empty() || std::find(rule.projects.begin(), rule.projects.end(),
                                                         project) != rule.projects.end();
    const auto role = who.role_in(project);
    if (here && role && int(*role) >= int(rule.role)) return ok_status();
  }
  if (!first) return ok_status();
  const auto role = who.role_in(project);
  return permission_denied("the studio's policy (" + first->pointer + ") does not let " +
                           std::string(role ? role_name(*role) : "a non-member") +
                           "s of project '" + project + "' use the operator '" + op + "'");
}

Result<Policy> Policy::parse(std::string_view text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for 1E555
    // nlohmann's message says "at line L, column C" (or which number overflows).
    std::string what = e.what();
    if (auto at = what.find("] "); at != std::string::npos) what = what.substr(at + 2);
    return invalid_argument(source + ": not valid JSON: " + what);
  }
  if (!doc.is_object()) return field_error(source, "/", "the policy must be a JSON object");
  FL_RETURN_IF_ERROR(only_known(doc, {"version", "identity", "operators"}, source, ""));
  if (doc.contains("version") && doc["version"] != 1)
    return field_error(source, "/version", "this server reads policy version 1");
  Policy p;
  if (doc.contains("operators")) FL_RETURN_IF_ERROR(parse_operators(doc["operators"], source, p));
  if (!doc.contains("identity")) return p;
  const json& id = doc["identity"];
  if (!id.is_object()) return field_error(source, "/identity", "must be an object");
  FL_RETURN_IF_ERROR(only_known(id, {"roles_claim", "groups"}, source, "/identity"));
  if (id.contains("roles_claim")) {
    if (!id["roles_claim"].is_string() || id["roles_claim"].get<std::string>().empty())
      return field_error(source, "/identity/roles_claim", "must be a claim name");
    p.roles_claim = id["roles_claim"].get<std::string>();
  }
  if (id.contains("groups")) {
    const json& groups = id["groups"];
    if (!groups.is_object())
      return field_error(source, "/identity/groups",
                         "must map each group to its grants, e.g. {\"studio-admins\": \"admin\", "
                         "\"show-a-artists\": \"artist@show-a\"}");
    for (const auto& [group, value] : groups.items()) {
      const std::string pointer = "/identity/groups/" + group;
      // One grant ("artist@show-a") or several (["admin@show-a", "viewer@show-b"]).
      const json list = value.is_array() ? value : json::array({value});
      if (list.empty()) return field_error(source, pointer, "grants nothing: name a role");
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string at = value.is_array() ? pointer + "/" + std::to_string(i) : pointer;
        if (!list[i].is_string())
          return field_error(source, at,
                             "must be a role (\"admin\") or a role in a project "
                             "(\"artist@show-a\")");
        auto grant = parse_grant(list[i].get<std::string>());
        if (!grant.ok()) return field_error(source, at, grant.status().message());
        p.group_grants[group].push_back(*grant);
      }
    }
  }
  return p;
}

Result<Policy> Policy::load(const std::string& path) {
  auto text = read_text_file(path, size_t(16) << 20);
  if (!text.ok()) return text.status().with_context("the policy file: ");
  return parse(*text, path);
}

}  // namespace fl::security
