#include "security/policy.h"

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

}  // namespace

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
  FL_RETURN_IF_ERROR(only_known(doc, {"version", "identity"}, source, ""));
  if (doc.contains("version") && doc["version"] != 1)
    return field_error(source, "/version", "this server reads policy version 1");
  Policy p;
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
