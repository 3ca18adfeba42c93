// The policy file: what it grants, and errors that say where the file is wrong.
#include "security/policy.h"

#include <gtest/gtest.h>

#include <fstream>

#include "test_support.h"

namespace fl::security {
namespace {

TEST(Policy, MapsGroupsToRoles) {
  auto p = Policy::parse(R"({
    "version": 1,
    "identity": {"roles_claim": "roles",
                 "groups": {"studio-admins": "admin", "colourists": "artist", "review": "viewer"}}
  })",
                         "policy.json");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->roles_claim, "roles");
  EXPECT_EQ(p->group_roles.at("studio-admins"), Role::kAdmin);
  EXPECT_EQ(p->group_roles.at("colourists"), Role::kArtist);
  EXPECT_EQ(p->group_roles.at("review"), Role::kViewer);
  auto empty = Policy::parse("{}", "p.json");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->roles_claim, "groups");
  EXPECT_TRUE(empty->group_roles.empty());
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
       "/identity/groups/colourists: 'artst' is not a role"},
      {R"({"identity": {"groups": {"show-a": "artist@show-a"}}})", "/identity/groups/show-a"},
      {R"({"identity": {"groups": ["admin"]}})", "/identity/groups: must map"},
      {R"({"identity": {"roles_claim": ""}})", "/identity/roles_claim"},
      {R"({"version": 2})", "/version"},
      {R"([1, 2])", "must be a JSON object"},
      {R"({"version": 1E999})", "overflow"},  // found by policy_fuzz: out_of_range, not parse_error
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

TEST(Policy, AMissingFileIsNamed) {
  auto p = Policy::load("/nonexistent/policy.json");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("/nonexistent/policy.json"), std::string::npos);
  test::TempDir dir;
  const auto path = (dir.path() / "p.json").string();
  std::ofstream(path) << R"({"identity": {"groups": {"g": "viewer"}}})";
  auto ok = Policy::load(path);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->group_roles.size(), 1u);
}

}  // namespace
}  // namespace fl::security
