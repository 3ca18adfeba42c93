#include "security/policy.h"

#include <algorithm>
#include <ctime>
#include <filesystem>

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

// The optional "projects" of a rule or a likeness: project ids.
Status parse_projects(const json& object, const std::string& source, const std::string& at,
                      std::vector<std::string>& into) {
  if (!object.contains("projects")) return ok_status();
  const json& list = object["projects"];
  if (!list.is_array()) return field_error(source, at + "/projects", "must list project ids");
  for (size_t k = 0; k < list.size(); ++k) {
    if (!list[k].is_string() || !valid_project_id(list[k].get<std::string>()))
      return field_error(source, at + "/projects/" + std::to_string(k), "must be a project id");
    into.push_back(list[k].get<std::string>());
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
    FL_RETURN_IF_ERROR(parse_projects(r, source, at, rule.projects));
    if (r.contains("role")) {
      auto role = r["role"].is_string() ? parse_role(r["role"].get<std::string>()) : std::nullopt;
      if (!role) return field_error(source, at + "/role", "must be viewer, artist or admin");
      rule.role = *role;
    }
    p.operator_rules.push_back(std::move(rule));
  }
  return ok_status();
}

bool lower_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool valid_likeness_id(const std::string& id) { return valid_project_id(id); }

Result<std::string> text_field(const json& j, const char* key, bool required, size_t max) {
  if (!j.contains(key)) {
    if (required) return invalid_argument(std::string(key) + " is required", key);
    return std::string();
  }
  if (!j[key].is_string()) return invalid_argument(std::string(key) + " must be text", key);
  std::string v = j[key].get<std::string>();
  if ((required && v.empty()) || v.size() > max)
    return invalid_argument(std::string(key) + " must be 1-" + std::to_string(max) + " characters",
                            key);
  for (char c : v)
    if (static_cast<unsigned char>(c) < 0x20)
      return invalid_argument(std::string(key) + " holds a control character", key);
  return v;
}

// [{"id": "roxanne", "name": "Roxanne Ritchi", "aliases": ["Roxanne"], "reference":
//   "refs/roxanne.png", "projects": ["show-a"], "consents": [...]}, ...]
Status parse_likenesses(const json& list, const std::string& source, Policy& p) {
  if (!list.is_array())
    return field_error(source, "/likenesses",
                       "must be a list, e.g. [{\"id\": \"roxanne\", \"name\": \"Roxanne "
                       "Ritchi\", \"reference\": \"refs/roxanne.png\"}]");
  const std::filesystem::path base = std::filesystem::path(source).parent_path();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = "/likenesses/" + std::to_string(i);
    const json& l = list[i];
    if (!l.is_object()) return field_error(source, at, "must be an object");
    FL_RETURN_IF_ERROR(
        only_known(l, {"id", "name", "aliases", "reference", "projects", "consents"}, source, at));
    Likeness like;
    like.pointer = at;
    auto text = [&](const char* key, bool required, std::string& into) -> Status {
      auto v = text_field(l, key, required, 200);
      if (!v.ok()) return field_error(source, at + "/" + key, v.status().message());
      into = *v;
      return ok_status();
    };
    FL_RETURN_IF_ERROR(text("id", true, like.id));
    if (!valid_likeness_id(like.id))
      return field_error(source, at + "/id", "must be 1-63 of a-z, 0-9, '-' and '_'");
    for (const auto& other : p.likenesses)
      if (other.id == like.id) return field_error(source, at + "/id", "'" + like.id + "' twice");
    FL_RETURN_IF_ERROR(text("name", true, like.name));
    FL_RETURN_IF_ERROR(text("reference", false, like.reference));
    if (!like.reference.empty() && std::filesystem::path(like.reference).is_relative())
      like.reference = (base / like.reference).lexically_normal().string();
    if (l.contains("aliases")) {
      if (!l["aliases"].is_array()) return field_error(source, at + "/aliases", "must list names");
      for (size_t k = 0; k < l["aliases"].size(); ++k) {
        const json& a = l["aliases"][k];
        if (!a.is_string() || a.get<std::string>().empty())
          return field_error(source, at + "/aliases/" + std::to_string(k), "must be a name");
        like.aliases.push_back(a.get<std::string>());
      }
    }
    FL_RETURN_IF_ERROR(parse_projects(l, source, at, like.projects));
    if (l.contains("consents")) {
      if (!l["consents"].is_array())
        return field_error(source, at + "/consents", "must list consents");
      for (size_t k = 0; k < l["consents"].size(); ++k) {
        const std::string c_at = at + "/consents/" + std::to_string(k);
        json c = l["consents"][k];
        if (!c.is_object()) return field_error(source, c_at, "must be an object");
        if (c.contains("likeness")) return field_error(source, c_at + "/likeness", "is implied");
        c["likeness"] = like.id;
        auto consent = consent_from_json(c);
        if (!consent.ok())
          return field_error(
              source,
              consent.status().field().empty() ? c_at : c_at + "/" + consent.status().field(),
              consent.status().message());
        consent->id = "policy:" + c_at;
        consent->recorded_by = "policy";
        like.consents.push_back(std::move(*consent));
      }
    }
    p.likenesses.push_back(std::move(like));
  }
  return ok_status();
}

// {"thresholds": {"porn": 0.6, "hentai": 0.6, "sexy": 0.85}, "action": "hold", "every": 12,
//  "projects": ["show-a"]}
Status parse_content(const json& c, const std::string& source, Policy& p) {
  const std::string at = "/content";
  if (!c.is_object()) return field_error(source, at, "must be an object");
  FL_RETURN_IF_ERROR(only_known(c, {"thresholds", "action", "every", "projects"}, source, at));
  ContentRule rule;
  if (!c.contains("thresholds") || !c["thresholds"].is_object() || c["thresholds"].empty())
    return field_error(source, at + "/thresholds",
                       "must give a class's score from which a frame is flagged, e.g. {\"porn\": "
                       "0.6, \"hentai\": 0.6, \"sexy\": 0.85}");
  for (const auto& [cls, value] : c["thresholds"].items()) {
    const auto& known = content_classes();
    if (std::find(known.begin(), known.end(), cls) == known.end())
      return field_error(source, at + "/thresholds/" + cls,
                         "no such class (drawing, hentai, neutral, porn, sexy)");
    if (!value.is_number() || value.get<double>() <= 0 || value.get<double>() > 1)
      return field_error(source, at + "/thresholds/" + cls, "must be a score in (0, 1]");
    rule.thresholds[cls] = value.get<double>();
  }
  if (c.contains("action")) {
    const std::string a = c["action"].is_string() ? c["action"].get<std::string>() : "";
    if (a == "block")
      rule.action = ContentAction::kBlock;
    else if (a == "flag")
      rule.action = ContentAction::kFlag;
    else if (a == "hold")
      rule.action = ContentAction::kHold;
    else
      return field_error(source, at + "/action", "must be block, flag or hold");
  }
  if (c.contains("every")) {
    if (!c["every"].is_number_integer() || c["every"].get<int64_t>() < 1 ||
        c["every"].get<int64_t>() > 1000)
      return field_error(source, at + "/every", "must be a whole number of frames, 1-1000");
    rule.every = int(c["every"].get<int64_t>());
  }
  FL_RETURN_IF_ERROR(parse_projects(c, source, at, rule.projects));
  p.content = std::move(rule);
  return ok_status();
}

}  // namespace

std::string_view content_action_name(ContentAction a) {
  switch (a) {
    case ContentAction::kBlock:
      return "block";
    case ContentAction::kFlag:
      return "flag";
    case ContentAction::kHold:
      return "hold";
  }
  return "?";
}

const std::vector<std::string>& content_classes() {
  static const std::vector<std::string> classes = {"drawing", "hentai", "neutral", "porn", "sexy"};
  return classes;
}

bool ContentRule::applies_in(const std::string& project) const {
  return projects.empty() || std::find(projects.begin(), projects.end(), project) != projects.end();
}

bool valid_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  const int y = std::stoi(std::string(d.substr(0, 4)));
  const int m = std::stoi(std::string(d.substr(5, 2)));
  const int day = std::stoi(std::string(d.substr(8, 2)));
  if (y < 1970 || m < 1 || m > 12 || day < 1) return false;
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return day <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

std::string utc_date(double unix_seconds) {
  const std::time_t t = std::time_t(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[16];
  std::strftime(out, sizeof out, "%Y-%m-%d", &tm);
  return out;
}

Result<Consent> consent_from_json(const json& j) {
  if (!j.is_object()) return invalid_argument("a consent is a JSON object");
  for (const auto& [key, value] : j.items())
    if (key != "likeness" && key != "project" && key != "granted_by" && key != "until" &&
        key != "ops" && key != "note")
      return invalid_argument(
          "unknown field '" + key + "' (known: likeness, project, granted_by, until, ops, note)",
          key);
  Consent c;
  FL_ASSIGN_OR_RETURN(c.likeness, text_field(j, "likeness", true, 63));
  FL_ASSIGN_OR_RETURN(c.project, text_field(j, "project", true, 63));
  if (!valid_project_id(c.project))
    return invalid_argument("'" + c.project + "' is no project id", "project");
  FL_ASSIGN_OR_RETURN(c.granted_by, text_field(j, "granted_by", true, 200));
  FL_ASSIGN_OR_RETURN(c.until, text_field(j, "until", true, 10));
  if (!valid_date(c.until))
    return invalid_argument("until must be the last day it holds, YYYY-MM-DD", "until");
  FL_ASSIGN_OR_RETURN(c.note, text_field(j, "note", false, 1000));
  if (j.contains("ops")) {
    if (!j["ops"].is_array()) return invalid_argument("ops must list operators", "ops");
    for (const auto& op : j["ops"]) {
      if (!op.is_string() || op.get<std::string>().empty())
        return invalid_argument("ops must list operators' names", "ops");
      c.ops.push_back(op.get<std::string>());
    }
  }
  return c;
}

json consent_to_json(const Consent& c) {
  json j = {{"id", c.id},
            {"likeness", c.likeness},
            {"project", c.project},
            {"granted_by", c.granted_by},
            {"recorded_by", c.recorded_by},
            {"until", c.until},
            {"ops", c.ops},
            {"note", c.note}};
  if (c.recorded > 0) j["recorded"] = c.recorded;
  if (c.revoked > 0) j["revoked"] = c.revoked;
  return j;
}

bool Consent::covers(const std::string& likeness_id, const std::string& in_project,
                     const std::string& op, const std::string& today) const {
  return revoked == 0 && likeness == likeness_id && project == in_project && today <= until &&
         (ops.empty() || std::find(ops.begin(), ops.end(), op) != ops.end());
}

bool Likeness::applies_in(const std::string& project) const {
  return projects.empty() || std::find(projects.begin(), projects.end(), project) != projects.end();
}

bool Likeness::named(std::string_view cast_name) const {
  if (lower_equal(name, cast_name)) return true;
  for (const auto& a : aliases)
    if (lower_equal(a, cast_name)) return true;
  return false;
}

std::vector<const Likeness*> Policy::likenesses_in(const std::string& project) const {
  std::vector<const Likeness*> out;
  for (const auto& l : likenesses)
    if (l.applies_in(project)) out.push_back(&l);
  return out;
}

const std::vector<std::string>& ai_operators() {
  static const std::vector<std::string> ops = {"fill", "clean_plate", "extend", "scene_lock",
                                               "character_lock"};
  return ops;
}

bool uses_ai_operator(const std::vector<NodeOperator>& nodes) {
  const auto& ai = ai_operators();
  return std::any_of(nodes.begin(), nodes.end(), [&](const NodeOperator& n) {
    return std::find(ai.begin(), ai.end(), n.op) != ai.end();
  });
}

Status Policy::allows_operators(const std::vector<NodeOperator>& nodes, const Principal& who,
                                const std::string& project) const {
  for (const auto& n : nodes) {
    Status s = allows_operator(n.op, who, project);
    if (!s.ok())
      return Status(s.code(), "node '" + n.node + "': " + s.message(), "nodes." + n.node + ".op");
  }
  return ok_status();
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
  FL_RETURN_IF_ERROR(
      only_known(doc, {"version", "identity", "operators", "likenesses", "content"}, source, ""));
  if (doc.contains("version") && doc["version"] != 1)
    return field_error(source, "/version", "this server reads policy version 1");
  Policy p;
  if (doc.contains("operators")) FL_RETURN_IF_ERROR(parse_operators(doc["operators"], source, p));
  if (doc.contains("likenesses"))
    FL_RETURN_IF_ERROR(parse_likenesses(doc["likenesses"], source, p));
  if (doc.contains("content")) FL_RETURN_IF_ERROR(parse_content(doc["content"], source, p));
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
