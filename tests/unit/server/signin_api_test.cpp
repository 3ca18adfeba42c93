// The page's cookie sessions over HTTP: a token exchanged for an httpOnly, SameSite=Strict cookie,
// changes that must carry the session's CSRF token, sign-out, and a revoked token ending its
// sessions. (The sign-in through an IdP: oidc_api_test.cpp.)
#include "server_fixture.h"

namespace fl::test {
namespace {

using Headers = std::multimap<std::string, std::string>;

std::string cookie_of(const Headers& h) {
  auto it = h.find("Set-Cookie");
  if (it == h.end()) return {};
  return it->second.substr(0, it->second.find(';'));
}

TEST_F(ServerFixture, ATokenBecomesACookieSessionWhoseChangesCarryItsCsrfToken) {
  auto t = service_->tokens().create(security::Role::kArtist, "page");
  ASSERT_TRUE(t.ok());
  Headers answer;
  Reply opened =
      call_with("POST", "/v1/auth/session", {{"Authorization", "Bearer " + t->token}}, "", &answer);
  ASSERT_EQ(opened.status, 201) << opened.body;
  const std::string set_cookie = answer.find("Set-Cookie")->second;
  for (const char* attribute : {"HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="})
    EXPECT_NE(set_cookie.find(attribute), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.find(t->token), std::string::npos) << "the token is not the cookie";
  const std::string cookie = cookie_of(answer), csrf = opened.json.value("csrf", "");
  ASSERT_FALSE(csrf.empty());
  EXPECT_EQ(opened.json["principal"].value("name", ""), "page");

  // Reads need the cookie alone; changes need its CSRF token too, the right one.
  EXPECT_EQ(call_with("GET", "/v1/media", {{"Cookie", cookie}}).status, 200);
  EXPECT_EQ(call_with("POST", "/v1/sessions", {{"Cookie", cookie}}, "{}").status, 403);
  EXPECT_EQ(
      call_with("POST", "/v1/sessions", {{"Cookie", cookie}, {"X-CSRF-Token", csrf + "x"}}, "{}")
          .status,
      403);
  Reply made =
      call_with("POST", "/v1/sessions", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}, "{}");
  EXPECT_EQ(made.status, 201) << made.body;
  // The page learns its CSRF token from its session (and no one else's from a bearer call).
  Reply mine = call_with("GET", "/v1/auth/session", {{"Cookie", "a=b; " + cookie}});
  EXPECT_EQ(mine.json.value("csrf", ""), csrf) << mine.body;
  EXPECT_FALSE(call("GET", "/v1/auth/session", artist_).json.contains("csrf"));
  // A cookie that names no session, and none at all.
  EXPECT_EQ(call_with("GET", "/v1/media", {{"Cookie", "framelock_session=nope"}}).status, 401);
  EXPECT_EQ(call_with("GET", "/v1/media", {}).status, 401);

  // Signed out: the cookie is cleared and worth nothing.
  Headers out;
  EXPECT_EQ(call_with("DELETE", "/v1/auth/session", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}},
                      "", &out)
                .status,
            200);
  EXPECT_NE(out.find("Set-Cookie")->second.find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(call_with("GET", "/v1/media", {{"Cookie", cookie}}).status, 401);

  // Revoking the token ends the page sessions made from it.
  Headers again;
  ASSERT_EQ(
      call_with("POST", "/v1/auth/session", {{"Authorization", "Bearer " + t->token}}, "", &again)
          .status,
      201);
  EXPECT_EQ(call_with("GET", "/v1/media", {{"Cookie", cookie_of(again)}}).status, 200);
  ASSERT_TRUE(service_->tokens().revoke(t->info.id).ok());
  EXPECT_EQ(call_with("GET", "/v1/media", {{"Cookie", cookie_of(again)}}).status, 401);
}

TEST_F(ServerFixture, WithoutAnIdpTheSignInOffersTokensOnly) {
  Reply config = call_with("GET", "/v1/auth/config", {});
  EXPECT_EQ(config.status, 200);
  EXPECT_EQ(config.json.value("oidc", true), false);
  EXPECT_EQ(call_with("GET", "/v1/auth/login", {}).status, 404);
  EXPECT_EQ(call_with("POST", "/v1/auth/session", {}).status, 401);
}

}  // namespace
}  // namespace fl::test
