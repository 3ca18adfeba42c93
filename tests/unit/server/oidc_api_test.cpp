// The API with the studio's IdP in the authenticator chain (keys made in the test, documents
// served from memory): its tokens work beside local ones, with the role their groups grant, and
// every bad token is a 401 that says why.
#include <set>

#include "security/oidc.h"
#include "security/web_login.h"
#include "server_fixture.h"
#include "test_idp.h"

namespace fl::test {
namespace {

using nlohmann::json;

class OidcServer : public ServerFixture {
 protected:
  void configure(service::ServiceOptions& o) override {
    idp_.published = {key_};
    security::OidcOptions oo;
    oo.issuer = idp_.issuer;
    oo.audience = "framelock";
    oo.group_grants = {
        {"show-a-artists", {*security::parse_grant("artist")}},
        {"review", {*security::parse_grant("viewer")}},
        {"show-x-leads",
         {*security::parse_grant("admin@show-x"), *security::parse_grant("viewer@show-y")}}};
    o.policy.group_grants = oo.group_grants;  // one policy file gives both (serve_cmd.cpp)
    auto a = security::OidcAuthenticator::create(
        oo, [this](const std::string& url) { return idp_.serve(url); });
    ASSERT_TRUE(a.ok());
    o.authenticators.push_back(*a);
    oidc_ = *a;
  }
  // The page signs in through this IdP; its token endpoint is answered here.
  void configure_http(server::HttpOptions& ho) override {
    security::OidcLoginOptions lo;
    lo.client_id = "page";
    lo.redirect_uri = "http://127.0.0.1/v1/auth/callback";
    ho.login = std::make_shared<security::OidcLogin>(
        oidc_, lo,
        [this](const std::string&, const security::FormFields& fields, const std::string&,
               const std::string&) -> Result<std::string> {
          for (const auto& [k, v] : fields)
            if (k == "code" && v == "good")
              return json{{"access_token", key_.sign(claims(next_group_))}, {"expires_in", 300}}
                  .dump();
          return io_error("HTTP 400: invalid_grant");
        });
  }
  std::shared_ptr<security::OidcAuthenticator> oidc_;
  std::string next_group_ = "show-a-artists";
  json claims(const std::string& group) const {
    const int64_t now = std::time(nullptr);
    return {{"iss", idp_.issuer},
            {"aud", "framelock"},
            {"sub", "u-" + group},
            {"exp", now + 300},
            {"iat", now},
            {"groups", {group}},
            {"email", group + "@studio.test"}};
  }
  TestIdp idp_;
  static inline TestKey key_ = TestKey::rsa("k1");
};

TEST_F(OidcServer, IdpTokensCarryTheRoleTheirGroupsGrant) {
  const std::string artist = key_.sign(claims("show-a-artists"));
  const std::string reviewer = key_.sign(claims("review"));
  EXPECT_EQ(call("GET", "/v1/media", artist).status, 200);
  EXPECT_EQ(call("GET", "/v1/media", reviewer).status, 200);
  auto made = call("POST", "/v1/sessions", artist, json::object());
  EXPECT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.json.value("owner", ""), "show-a-artists@studio.test") << made.body;
  EXPECT_EQ(call("POST", "/v1/sessions", reviewer, json::object()).status, 403);
  // Local tokens keep working beside the IdP's.
  EXPECT_EQ(call("GET", "/v1/media", viewer_).status, 200);
}

TEST_F(OidcServer, GroupsGrantRolesInProjectsThatExist) {
  const std::string lead = key_.sign(claims("show-x-leads"));
  // Before the project exists, its grant grants nothing: the lead sees no project at all.
  Reply none = call("GET", "/v1/projects", lead);
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(none.json["projects"].empty()) << none.body;
  EXPECT_EQ(call("POST", "/v1/sessions", lead, json{{"project", "show-x"}}).status, 404);
  ASSERT_TRUE(service_->projects().create("show-x", "Show X", "test").ok());
  ASSERT_TRUE(service_->projects().create("show-y", "Show Y", "test").ok());
  Reply some = call("GET", "/v1/projects", lead);
  ASSERT_EQ(some.json["projects"].size(), 2u) << some.body;
  EXPECT_EQ(call("POST", "/v1/sessions", lead, json{{"project", "show-x"}}).status, 201);
  EXPECT_EQ(call("POST", "/v1/sessions", lead, json{{"project", "show-y"}}).status, 403);
  // An admin of show-x manages its members, and nothing in the default project.
  EXPECT_EQ(call("GET", "/v1/projects/show-x/members", lead).status, 200);
  EXPECT_EQ(call("GET", "/v1/media?project=default", lead).status, 404);
  // A member added by subject ("oidc:" + sub) gains the role on top of their groups'.
  const std::string reviewer = key_.sign(claims("review"));
  EXPECT_EQ(call("GET", "/v1/projects/show-y", reviewer).status, 404);
  EXPECT_EQ(
      call("PUT", "/v1/projects/show-y/members/oidc:u-review", admin_, json{{"role", "viewer"}})
          .status,
      200);
  EXPECT_EQ(call("GET", "/v1/projects/show-y", reviewer).status, 200);
  // A subject with characters a path cannot hold arrives percent-encoded and is kept decoded.
  EXPECT_EQ(
      call("PUT", "/v1/projects/show-y/members/oidc%3Aauth0%7C42", admin_, json{{"role", "artist"}})
          .status,
      200);
  // Who can see the show: members, tokens, and the IdP groups the policy maps onto it.
  Reply members = call("GET", "/v1/projects/show-y/members", admin_);
  ASSERT_EQ(members.status, 200) << members.body;
  std::set<std::string> listed;
  for (const auto& m : members.json["members"])
    listed.insert(m["principal"].get<std::string>() + " " + m["role"].get<std::string>() + " " +
                  m["via"].get<std::string>());
  EXPECT_EQ(listed,
            (std::set<std::string>{"oidc:u-review viewer member", "oidc:auth0|42 artist member",
                                   "group:show-x-leads viewer idp group"}))
      << members.body;
}

TEST_F(OidcServer, ThePageSignsInThroughTheIdpAndGetsACookieSession) {
  Reply config = call_with("GET", "/v1/auth/config", {});
  EXPECT_EQ(config.json.value("oidc", false), true);
  std::multimap<std::string, std::string> h;
  Reply go = call_with("GET", "/v1/auth/login?return=%2F%23session%3Ds_1", {}, "", &h);
  ASSERT_EQ(go.status, 302) << go.body;
  const std::string location = h.find("Location")->second;
  EXPECT_EQ(location.rfind(idp_.issuer + "/authorize?", 0), 0u) << location;
  EXPECT_NE(location.find("code_challenge_method=S256"), std::string::npos);
  const size_t at = location.find("state=") + 6;
  const std::string state = location.substr(at, location.find('&', at) - at);

  // The IdP sends the browser back: a cookie session, and home to where it started.
  std::multimap<std::string, std::string> back;
  Reply cb = call_with("GET", "/v1/auth/callback?code=good&state=" + state, {}, "", &back);
  ASSERT_EQ(cb.status, 302) << cb.body;
  EXPECT_EQ(back.find("Location")->second, "/#session=s_1");
  const std::string set_cookie = back.find("Set-Cookie")->second;
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  Reply who = call_with("GET", "/v1/auth/session", {{"Cookie", cookie}});
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(who.json["principal"].value("id", ""), "oidc:u-show-a-artists");
  EXPECT_FALSE(who.json.value("csrf", "").empty());
  EXPECT_EQ(call_with("GET", "/v1/media", {{"Cookie", cookie}}).status, 200);

  // The same answer again, a state never issued, a code the IdP will not exchange, the IdP's
  // refusal, and an open redirect: none signs anyone in.
  EXPECT_EQ(call_with("GET", "/v1/auth/callback?code=good&state=" + state, {}).status, 401);
  EXPECT_EQ(call_with("GET", "/v1/auth/callback?code=good&state=forged", {}).status, 401);
  call_with("GET", "/v1/auth/login", {}, "", &h);
  Reply refused = call_with("GET", "/v1/auth/callback?error=access_denied&state=x", {});
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("access_denied"), std::string::npos);
  std::multimap<std::string, std::string> evil;
  call_with("GET", "/v1/auth/login?return=%2F%2Fevil.test%2F", {}, "", &evil);
  const std::string l2 = evil.find("Location")->second;
  const size_t a2 = l2.find("state=") + 6;
  std::multimap<std::string, std::string> home;
  call_with("GET", "/v1/auth/callback?code=good&state=" + l2.substr(a2, l2.find('&', a2) - a2), {},
            "", &home);
  EXPECT_EQ(home.find("Location")->second, "/");
}

TEST_F(OidcServer, EveryBadTokenIsA401ThatSaysWhy) {
  json expired = claims("review");
  expired["exp"] = int64_t(std::time(nullptr)) - 3600;
  json wrong_aud = claims("review");
  wrong_aud["aud"] = "another-api";
  json wrong_iss = claims("review");
  wrong_iss["iss"] = "https://evil.test";
  const std::string good = key_.sign(claims("review"));
  std::string tampered_sig = good;
  tampered_sig[tampered_sig.size() - 5] = tampered_sig[tampered_sig.size() - 5] == 'A' ? 'B' : 'A';
  const std::string d1 = good.substr(0, good.find('.'));
  json promoted = claims("review");
  promoted["groups"] = {"show-a-artists"};
  const std::string tampered_payload =
      d1 + "." + b64url(promoted.dump()) + good.substr(good.rfind('.'));
  const struct {
    std::string token;
    const char* why;
  } cases[] = {
      {key_.sign(expired), "expired"},
      {key_.sign(wrong_aud), "another audience"},
      {key_.sign(wrong_iss), "another issuer"},
      {forge({{"alg", "none"}}, claims("review"), ""), "'none'"},
      {forge({{"alg", "HS256"}, {"kid", "k1"}}, claims("review"), key_.public_jwk().dump()),
       "'HS256'"},
      {TestKey::rsa("k2").sign(claims("review")), "'k2'"},
      {tampered_payload, "does not verify"},
      {tampered_sig, "does not verify"},
      {key_.sign(claims("nobody")), "no group"},
  };
  for (const auto& c : cases) {
    auto r = call("GET", "/v1/media", c.token);
    EXPECT_EQ(r.status, 401) << c.why;
    EXPECT_NE(r.json["error"].value("message", "").find(c.why), std::string::npos) << r.body;
  }
}

}  // namespace
}  // namespace fl::test
