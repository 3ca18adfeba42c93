// The page's sign-in: the authorization code flow with PKCE against an IdP made in the test (its
// token endpoint answered here, checking the verifier against the challenge as an IdP does), and
// the cookie sessions it ends in.
#include "security/web_login.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <map>

#include "test_idp.h"

namespace fl::security {
namespace {

using nlohmann::json;
using test::TestIdp;
using test::TestKey;

constexpr int64_t kNow = 1'800'000'000;

std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  std::string q = url.substr(url.find('?') + 1);
  size_t at = 0;
  while (at <= q.size()) {
    size_t end = q.find('&', at);
    if (end == std::string::npos) end = q.size();
    const std::string pair = q.substr(at, end - at);
    const size_t eq = pair.find('=');
    if (eq != std::string::npos) out[pair.substr(0, eq)] = pair.substr(eq + 1);
    at = end + 1;
  }
  return out;
}

class WebLogin : public ::testing::Test {
 protected:
  void SetUp() override {
    idp_.published = {key_};
    OidcOptions o;
    o.issuer = idp_.issuer;
    o.audience = "framelock";
    o.group_grants = {{"show-a-artists", {*parse_grant("artist@show-a")}}};
    auto a = OidcAuthenticator::create(
        o, [this](const std::string& url) { return idp_.serve(url); }, [this] { return now_; });
    ASSERT_TRUE(a.ok());
    OidcLoginOptions lo;
    lo.client_id = "framelock-page";
    lo.client_secret = "s3cret";
    lo.redirect_uri = "https://framelock.studio.test/v1/auth/callback";
    lo.scope = "framelock";
    login_ = std::make_unique<OidcLogin>(
        *a, lo,
        [this](const std::string& url, const FormFields& fields, const std::string& user,
               const std::string& password) { return token_endpoint(url, fields, user, password); },
        [this] { return now_; });
  }

  // The IdP's token endpoint: the code it issued, the verifier that hashes to its challenge.
  Result<std::string> token_endpoint(const std::string& url, const FormFields& fields,
                                     const std::string& user, const std::string& password) {
    EXPECT_EQ(url, idp_.issuer + "/token");
    std::map<std::string, std::string> f(fields.begin(), fields.end());
    if (user != "framelock-page" || password != "s3cret") return io_error("HTTP 401");
    if (f["grant_type"] != "authorization_code" || f["code"] != "code-1" ||
        f["redirect_uri"] != "https://framelock.studio.test/v1/auth/callback")
      return io_error("HTTP 400: invalid_grant");
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(f["code_verifier"].data(), f["code_verifier"].size(), md, &len, EVP_sha256(),
               nullptr);
    if (test::b64url(std::string_view(reinterpret_cast<char*>(md), len)) != challenge_)
      return io_error("HTTP 400: invalid_grant (PKCE)");
    return json{
        {"access_token", key_.sign(claims_)}, {"token_type", "Bearer"}, {"expires_in", 3600}}
        .dump();
  }

  // Starts a sign-in; the state the IdP would send back.
  std::string begin(const std::string& return_to = "/#session=s_1") {
    auto url = login_->begin(return_to);
    EXPECT_TRUE(url.ok()) << url.status().to_string();
    auto q = query_of(*url);
    EXPECT_EQ(url->rfind(idp_.issuer + "/authorize?", 0), 0u) << *url;
    EXPECT_EQ(q["response_type"], "code");
    EXPECT_EQ(q["client_id"], "framelock-page");
    EXPECT_EQ(q["code_challenge_method"], "S256");
    EXPECT_EQ(q["scope"], "framelock");
    challenge_ = q["code_challenge"];
    EXPECT_EQ(challenge_.size(), 43u);
    return q["state"];
  }

  static inline TestKey key_ = TestKey::rsa("k1");
  TestIdp idp_;
  int64_t now_ = kNow;
  std::string challenge_;
  json claims_ = {{"iss", "https://idp.studio.test/realms/main"},
                  {"aud", "framelock"},
                  {"sub", "u-7"},
                  {"preferred_username", "roxanne"},
                  {"exp", kNow + 3600},
                  {"iat", kNow},
                  {"groups", {"show-a-artists"}}};
  std::unique_ptr<OidcLogin> login_;
};

TEST_F(WebLogin, TheCodeIsExchangedWithItsVerifierAndTheTokenChecked) {
  const std::string state = begin();
  auto end = login_->finish("code-1", state);
  ASSERT_TRUE(end.ok()) << end.status().to_string();
  EXPECT_EQ(end->who.id, "oidc:u-7");
  EXPECT_EQ(end->who.role_in("show-a"), Role::kArtist);
  EXPECT_EQ(end->return_to, "/#session=s_1");
  EXPECT_EQ(end->expires, kNow + 3600);
  // The state is spent: the same answer again (a replay) is refused.
  auto again = login_->finish("code-1", state);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), ErrorCode::kUnauthenticated);
}

TEST_F(WebLogin, ForgedStaleOrWrongAnswersAreRefused) {
  // A state this server never issued: a login CSRF.
  begin();
  EXPECT_EQ(login_->finish("code-1", "made-up").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(login_->finish("code-1", "").status().code(), ErrorCode::kUnauthenticated);
  // Too late: ten minutes.
  std::string state = begin();
  now_ += 601;
  claims_["exp"] = now_ + 3600;
  auto late = login_->finish("code-1", state);
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.status().message().find("ten minutes"), std::string::npos);
  // A code the IdP does not exchange (another, or PKCE failing).
  state = begin();
  auto bad = login_->finish("code-2", state);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("invalid_grant"), std::string::npos);
  state = begin();
  challenge_ = "tampered";
  EXPECT_FALSE(login_->finish("code-1", state).ok());
  // A token the IdP hands over that fails our checks (another audience) signs no one in.
  state = begin();
  claims_["aud"] = "another-api";
  auto other = login_->finish("code-1", state);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("another audience"), std::string::npos);
}

TEST(WebLoginPaths, OnlyOurOwnPathsAreReturnedTo) {
  EXPECT_EQ(safe_return_path("/"), "/");
  EXPECT_EQ(safe_return_path("/#session=s_1"), "/#session=s_1");
  EXPECT_EQ(safe_return_path("/index.html?x=1"), "/index.html?x=1");
  for (const char* open_redirect :
       {"//evil.test/", "/\\evil.test", "https://evil.test/", "", "evil", "/\r\nSet-Cookie: x=1"})
    EXPECT_EQ(safe_return_path(open_redirect), "/") << open_redirect;
  EXPECT_EQ(url_encode("a b/c?d=é"), "a%20b%2Fc%3Fd%3D%C3%A9");
}

TEST(WebSessionsTest, SessionsEndAndAreFoundOnlyByTheirCookie) {
  int64_t now = kNow;
  WebSessions sessions([&] { return now; }, 8 * 3600);
  auto s = sessions.create("flk_credential", "abc", kNow + 3600);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->cookie.size(), 43u);
  EXPECT_EQ(s->csrf.size(), 43u);
  EXPECT_NE(s->cookie, s->csrf);
  EXPECT_EQ(s->expires, kNow + 3600);  // the credential's end, within the cap
  auto found = sessions.find(s->cookie);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->credential, "flk_credential");
  EXPECT_FALSE(sessions.find(s->csrf));
  EXPECT_FALSE(sessions.find(""));
  now += 3600;
  EXPECT_FALSE(sessions.find(s->cookie)) << "ended with its credential";
  // The cap: a credential without an end still ends after max_age.
  auto capped = sessions.create("flk_other", "abc", 0);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->expires, now + 8 * 3600);
  sessions.remove(capped->cookie);
  EXPECT_FALSE(sessions.find(capped->cookie));
}

}  // namespace
}  // namespace fl::security
