// The policy file: what it grants, and errors that say where the file is wrong.
#include "security/policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace fl::security {
namespace {

TEST(Policy, MapsGroupsToRolesInProjects) {
  auto p = Policy::parse(R"({
    "version": 1,
    "identity": {"roles_claim": "roles",
                 "groups": {"studio-admins": "admin", "colourists": "artist", "review": "viewer",
                            "show-a-artists": "artist@show-a",
                            "show-leads": ["admin@show-a", "viewer@show_b"]}}
  })",
                         "policy.json");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->roles_claim, "roles");
  auto only = [&](const char* group) {
    EXPECT_EQ(p->group_grants.at(group).size(), 1u) << group;
    return p->group_grants.at(group).front();
  };
  EXPECT_TRUE(only("studio-admins").studio_admin());
  // A bare viewer or artist works in the default project.
  EXPECT_EQ(only("colourists").to_string(), "artist@default");
  EXPECT_EQ(only("review").to_string(), "viewer@default");
  EXPECT_EQ(only("show-a-artists").to_string(), "artist@show-a");
  ASSERT_EQ(p->group_grants.at("show-leads").size(), 2u);
  EXPECT_EQ(p->group_grants.at("show-leads")[0].to_string(), "admin@show-a");
  EXPECT_EQ(p->group_grants.at("show-leads")[1].to_string(), "viewer@show_b");
  auto empty = Policy::parse("{}", "p.json");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->roles_claim, "groups");
  EXPECT_TRUE(empty->group_grants.empty());
}

TEST(Policy, OperatorRulesSayWhoMayUseWhichOperatorWhere) {
  auto p = Policy::parse(R"({"operators": [
      {"ops": ["@ai"], "projects": ["show-a"], "role": "artist"},
      {"ops": ["fill"], "projects": ["show-b"], "role": "admin"},
      {"ops": ["lut3d"]}]})",
                         "p.json");
  ASSERT_TRUE(p.ok()) << p.status().message();
  Principal artist_a, admin_b, artist_b, viewer_a;
  artist_a.grant("show-a", Role::kArtist);
  admin_b.grant("show-b", Role::kAdmin);
  artist_b.grant("show-b", Role::kArtist);
  viewer_a.grant("show-a", Role::kViewer);
  EXPECT_TRUE(p->allows_operator("fill", artist_a, "show-a").ok());
  EXPECT_TRUE(p->allows_operator("fill", admin_b, "show-b").ok());  // the second rule
  EXPECT_FALSE(p->allows_operator("fill", artist_b, "show-b").ok());
  EXPECT_FALSE(p->allows_operator("extend", admin_b, "show-b").ok());  // @ai: show-a only
  EXPECT_FALSE(p->allows_operator("fill", viewer_a, "show-a").ok());
  EXPECT_TRUE(p->allows_operator("lut3d", artist_b, "show-b").ok());  // artist by default
  EXPECT_FALSE(p->allows_operator("lut3d", viewer_a, "show-a").ok());
  EXPECT_TRUE(p->allows_operator("exposure", viewer_a, "show-a").ok());  // no rule names it
  auto refused = p->allows_operator("extend", admin_b, "show-b");
  EXPECT_EQ(refused.code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(refused.message().find("/operators/0"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("'extend'"), std::string::npos) << refused.message();
  for (const auto& op : ai_operators())
    EXPECT_NE(std::find(p->operator_rules[0].ops.begin(), p->operator_rules[0].ops.end(), op),
              p->operator_rules[0].ops.end());
}

TEST(Policy, ErrorsNameTheLineOrTheField) {
  struct Case {
    const char* text;
    const char* says;
  } cases[] = {
      {"{\n  \"identity\": {\n    \"groups\": {\"a\": \"admin\",}\n  }\n}", "line 3"},
      {R"({"identiti": {}})", "/identiti: unknown field"},
      {R"({"identity": {"group": {}}})", "/identity/group: unknown field"},
      {R"({"identity": {"groups": {"colourists": "artst"}}})",
       "/identity/groups/colourists: 'artst' is no role"},
      {R"({"identity": {"groups": {"show-a": "artist@Show A"}}})",
       "/identity/groups/show-a: 'Show A' is no project id"},
      {R"({"identity": {"groups": {"g": "artist@"}}})", "/identity/groups/g: '' is no project id"},
      {R"({"identity": {"groups": {"g": "boss@show-a"}}})",
       "/identity/groups/g: 'boss' is no role"},
      {R"({"identity": {"groups": {"g": ["admin@show-a", 7]}}})", "/identity/groups/g/1: must be"},
      {R"({"identity": {"groups": {"g": []}}})", "/identity/groups/g: grants nothing"},
      {R"({"identity": {"groups": ["admin"]}})", "/identity/groups: must map"},
      {R"({"identity": {"roles_claim": ""}})", "/identity/roles_claim"},
      {R"({"version": 2})", "/version"},
      {R"({"operators": {"fill": "artist"}})", "/operators: must be a list"},
      {R"({"operators": [{"ops": []}]})", "/operators/0/ops: must list"},
      {R"({"operators": [{"ops": ["@generative"]}]})", "/operators/0/ops/0"},
      {R"({"operators": [{"ops": ["fill"], "role": "boss"}]})", "/operators/0/role"},
      {R"({"operators": [{"ops": ["fill"], "projects": ["Show"]}]})", "/operators/0/projects/0"},
      {R"({"operators": [{"ops": ["fill"], "who": 1}]})", "/operators/0/who: unknown field"},
      {R"([1, 2])", "must be a JSON object"},
      {R"({"version": 1E999})", "overflow"},  // found by policy_fuzz: out_of_range, not parse_error
      {R"({"likenesses": {}})", "/likenesses: must be a list"},
      {R"({"content": {"action": "hold"}})", "/content/thresholds"},
      {R"({"content": {"thresholds": {"nude": 0.5}}})", "/content/thresholds/nude: no such class"},
      {R"({"content": {"thresholds": {"porn": 1.5}}})",
       "/content/thresholds/porn: must be a score"},
      {R"({"content": {"thresholds": {"porn": 0.6}, "action": "delete"}})", "/content/action"},
      {R"({"content": {"thresholds": {"porn": 0.6}, "every": 0}})", "/content/every"},
      {R"({"content": {"thresholds": {"porn": 0.6}, "projects": ["A"]}})", "/content/projects/0"},
      {R"({"likenesses": [{"name": "A"}]})", "/likenesses/0/id: id is required"},
      {R"({"likenesses": [{"id": "A b", "name": "A"}]})", "/likenesses/0/id: must be"},
      {R"({"likenesses": [{"id": "a"}]})", "/likenesses/0/name"},
      {R"({"likenesses": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]})",
       "/likenesses/1/id: 'a' twice"},
      {R"({"likenesses": [{"id": "a", "name": "A", "face": "x.png"}]})",
       "/likenesses/0/face: unknown field"},
      {R"({"likenesses": [{"id": "a", "name": "A", "consents": [{"project": "p",
          "granted_by": "x", "until": "2027-13-01"}]}]})",
       "/likenesses/0/consents/0/until"},
      {R"({"likenesses": [{"id": "a", "name": "A", "consents": [{"project": "p",
          "until": "2027-01-01"}]}]})",
       "/likenesses/0/consents/0/granted_by"},
      {R"({"likenesses": [{"id": "a", "name": "A", "consents": [{"likeness": "b",
          "project": "p", "granted_by": "x", "until": "2027-01-01"}]}]})",
       "/likenesses/0/consents/0/likeness: is implied"},
  };
  for (const auto& c : cases) {
    auto p = Policy::parse(c.text, "studio.json");
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_EQ(p.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find("studio.json: "), std::string::npos);
    EXPECT_NE(p.status().message().find(c.says), std::string::npos)
        << c.text << " -> " << p.status().message();
  }
}

TEST(Policy, LikenessesAreFoundByNameOrAliasInTheirProjects) {
  auto p = Policy::parse(R"({"likenesses": [
      {"id": "roxanne", "name": "Roxanne Ritchi", "aliases": ["Roxanne", "R. Ritchi"],
       "reference": "refs/roxanne.png", "projects": ["show-a"],
       "consents": [{"project": "show-a", "granted_by": "her agent", "until": "2027-06-30",
                     "ops": ["fill"], "note": "release R-114"}]},
      {"id": "hal", "name": "Hal", "reference": "/abs/hal.png"}]})",
                         "/studio/policy.json");
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_EQ(p->likenesses.size(), 2u);
  const Likeness& rox = p->likenesses[0];
  EXPECT_EQ(rox.reference, "/studio/refs/roxanne.png");  // beside the policy file
  EXPECT_EQ(p->likenesses[1].reference, "/abs/hal.png");
  EXPECT_TRUE(rox.named("roxanne"));
  EXPECT_TRUE(rox.named("ROXANNE RITCHI"));
  EXPECT_TRUE(rox.named("r. ritchi"));
  EXPECT_FALSE(rox.named("Roxan"));
  EXPECT_EQ(p->likenesses_in("show-a").size(), 2u);
  ASSERT_EQ(p->likenesses_in("show-b").size(), 1u);  // Hal is protected everywhere
  EXPECT_EQ(p->likenesses_in("show-b")[0]->id, "hal");
  ASSERT_EQ(rox.consents.size(), 1u);
  EXPECT_EQ(rox.consents[0].id, "policy:/likenesses/0/consents/0");
  EXPECT_EQ(rox.consents[0].likeness, "roxanne");
}

TEST(Policy, AConsentCoversItsLikenessProjectOperatorsAndDaysOnly) {
  auto c = consent_from_json(nlohmann::json{{"likeness", "roxanne"},
                                            {"project", "show-a"},
                                            {"granted_by", "her agent"},
                                            {"until", "2027-06-30"},
                                            {"ops", {"fill", "extend"}}});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->covers("roxanne", "show-a", "fill", "2027-06-30"));  // the last day holds
  EXPECT_TRUE(c->covers("roxanne", "show-a", "extend", "2026-01-01"));
  EXPECT_FALSE(c->covers("roxanne", "show-a", "fill", "2027-07-01"));
  EXPECT_FALSE(c->covers("roxanne", "show-a", "character_lock", "2027-01-01"));
  EXPECT_FALSE(c->covers("roxanne", "show-b", "fill", "2027-01-01"));
  EXPECT_FALSE(c->covers("hal", "show-a", "fill", "2027-01-01"));
  c->revoked = 1;
  EXPECT_FALSE(c->covers("roxanne", "show-a", "fill", "2027-01-01"));
  c->revoked = 0;
  c->ops.clear();  // every operator
  EXPECT_TRUE(c->covers("roxanne", "show-a", "character_lock", "2027-01-01"));

  EXPECT_TRUE(valid_date("2028-02-29"));
  EXPECT_FALSE(valid_date("2027-02-29"));
  EXPECT_FALSE(valid_date("2027-1-01"));
  EXPECT_FALSE(valid_date("2027-04-31"));
  EXPECT_EQ(utc_date(0), "1970-01-01");
  EXPECT_EQ(utc_date(1798675200), "2026-12-31");
  for (const char* field : {"likeness", "project", "granted_by", "until"}) {
    nlohmann::json j = {{"likeness", "roxanne"},
                        {"project", "show-a"},
                        {"granted_by", "x"},
                        {"until", "2027-01-01"}};
    j.erase(field);
    auto missing = consent_from_json(j);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().field(), field);
  }
}

TEST(Policy, TheContentRuleHasThresholdsAnActionAndASampling) {
  auto p = Policy::parse(R"({"content": {"thresholds": {"porn": 0.6, "hentai": 0.6, "sexy": 0.85},
                                          "action": "block", "every": 24, "projects": ["show-a"]}})",
                         "studio.json");
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_TRUE(p->content.has_value());
  EXPECT_EQ(p->content->thresholds.at("sexy"), 0.85);
  EXPECT_EQ(p->content->action, ContentAction::kBlock);
  EXPECT_EQ(p->content->every, 24);
  EXPECT_TRUE(p->content->applies_in("show-a"));
  EXPECT_FALSE(p->content->applies_in("show-b"));
  auto defaults = Policy::parse(R"({"content": {"thresholds": {"porn": 0.6}}})", "s.json");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->content->action, ContentAction::kHold);  // the cautious default
  EXPECT_EQ(defaults->content->every, 12);
  EXPECT_FALSE(Policy::parse("{}", "s.json")->content.has_value());
}

TEST(Policy, AMissingFileIsNamed) {
  auto p = Policy::load("/nonexistent/policy.json");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("/nonexistent/policy.json"), std::string::npos);
  test::TempDir dir;
  const auto path = (dir.path() / "p.json").string();
  std::ofstream(path) << R"({"identity": {"groups": {"g": "viewer"}}})";
  auto ok = Policy::load(path);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->group_grants.size(), 1u);
}

}  // namespace
}  // namespace fl::security
