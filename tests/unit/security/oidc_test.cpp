// The OIDC authenticator against keys made in the test: what it accepts, and every forgery and
// stale token it must refuse (RFC 8725's attacks among them).
#include "security/oidc.h"

#include <gtest/gtest.h>

#include "test_idp.h"

namespace fl::security {
namespace {

using nlohmann::json;
using test::TestKey;

constexpr int64_t kNow = 1'800'000'000;

class Oidc : public ::testing::Test {
 protected:
  void SetUp() override {
    idp_.published = {rsa_, ec_};
    auth_ = make();
  }
  std::shared_ptr<OidcAuthenticator> make() {
    OidcOptions o;
    o.issuer = idp_.issuer;
    o.audience = "framelock";
    o.group_grants = {{"show-a-artists", {*parse_grant("artist@show-a")}},
                      {"studio-admins", {*parse_grant("admin")}},
                      {"everyone", {*parse_grant("viewer"), *parse_grant("viewer@show-a")}}};
    auto a = OidcAuthenticator::create(
        o, [this](const std::string& url) { return idp_.serve(url); }, [this] { return now_; });
    EXPECT_TRUE(a.ok()) << a.status().message();
    return *a;
  }
  json claims() const {
    return {{"iss", idp_.issuer}, {"aud", "framelock"},
            {"sub", "u-1234"},    {"preferred_username", "alice"},
            {"exp", kNow + 300},  {"iat", kNow - 10},
            {"nbf", kNow - 10},   {"groups", {"everyone", "show-a-artists"}}};
  }
  // The refusal every bad token gets: unauthenticated (HTTP 401), with the reason.
  void expect_refused(const std::string& token, const std::string& why) {
    auto r = auth_->authenticate(token);
    ASSERT_FALSE(r.ok()) << "accepted a token that " << why;
    EXPECT_EQ(r.status().code(), ErrorCode::kUnauthenticated) << why;
    EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
  }

  static inline TestKey rsa_ = TestKey::rsa("rsa-1");
  static inline TestKey ec_ = TestKey::ec("ec-1");
  test::TestIdp idp_;
  int64_t now_ = kNow;
  std::shared_ptr<OidcAuthenticator> auth_;
};

TEST_F(Oidc, AcceptsRs256AndEs256TokensAndMapsGroupsToTheHighestRole) {
  for (const TestKey* key : {&rsa_, &ec_}) {
    auto p = auth_->authenticate(key->sign(claims()));
    ASSERT_TRUE(p.ok()) << key->alg << ": " << p.status().message();
    EXPECT_EQ(p->id, "oidc:u-1234");
    EXPECT_EQ(p->name, "alice");
    // The highest role where two grants meet in a project.
    EXPECT_EQ(p->role_in("show-a"), Role::kArtist);
    EXPECT_EQ(p->role_in("default"), Role::kViewer);
    EXPECT_FALSE(p->role_in("show-b"));
    EXPECT_FALSE(p->studio_admin);
  }
  json admin = claims();
  admin["groups"] = "everyone, studio-admins";  // one string, comma-separated (glewlwyd)
  admin["aud"] = {"other-service", "framelock"};
  auto p = auth_->authenticate(rsa_.sign(admin));
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_TRUE(p->studio_admin);
  EXPECT_EQ(p->role_in("show-b"), Role::kAdmin);
  // Discovery once, the key set once: cached across tokens.
  EXPECT_EQ(auth_->counters().discovery_fetches, 1);
  EXPECT_EQ(auth_->counters().key_set_fetches, 1);
  EXPECT_EQ(auth_->counters().keys, 2u);
}

TEST_F(Oidc, RefusesExpiredOrNotYetValidTokensBeyondTheLeeway) {
  json c = claims();
  c["exp"] = kNow - 61;
  expect_refused(rsa_.sign(c), "expired");
  c["exp"] = kNow - 30;  // within the 60-s leeway
  EXPECT_TRUE(auth_->authenticate(rsa_.sign(c)).ok());
  c = claims();
  c.erase("exp");
  expect_refused(rsa_.sign(c), "no expiry");
  c = claims();
  c["nbf"] = kNow + 120;
  expect_refused(rsa_.sign(c), "not valid yet");
  c = claims();
  c["iat"] = kNow + 3600;
  expect_refused(rsa_.sign(c), "issued in the future");
}

TEST_F(Oidc, RefusesTheWrongAudienceIssuerOrSubject) {
  json c = claims();
  c["aud"] = "another-service";
  expect_refused(rsa_.sign(c), "another audience");
  c["aud"] = {"a", "b"};
  expect_refused(rsa_.sign(c), "another audience");
  c = claims();
  c["iss"] = "https://evil.test/realms/main";
  expect_refused(rsa_.sign(c), "another issuer");
  c = claims();
  c.erase("sub");
  expect_refused(rsa_.sign(c), "no subject");
}

TEST_F(Oidc, RefusesAlgNoneAndHs256SignedWithThePublicKey) {
  expect_refused(test::forge({{"alg", "none"}, {"typ", "JWT"}}, claims(), ""), "'none'");
  expect_refused(test::forge({{"alg", "None"}, {"typ", "JWT"}}, claims(), ""), "'None'");
  // The classic key-confusion forgery: the RSA public key (as published) as the HMAC secret.
  const std::string public_key = rsa_.public_jwk().dump();
  expect_refused(test::forge({{"alg", "HS256"}, {"kid", "rsa-1"}}, claims(), public_key),
                 "'HS256'");
  // And an allowed name with no signature at all.
  expect_refused(test::forge({{"alg", "RS256"}, {"kid", "rsa-1"}}, claims(), ""), "not signed");
}

TEST_F(Oidc, RefusesTamperedPayloadsAndSignatures) {
  const std::string good = rsa_.sign(claims());
  const size_t d1 = good.find('.'), d2 = good.rfind('.');
  json promoted = claims();
  promoted["groups"] = {"studio-admins"};
  const std::string tampered_payload =
      good.substr(0, d1) + "." + test::b64url(promoted.dump()) + good.substr(d2);
  expect_refused(tampered_payload, "signature does not verify");
  std::string tampered_sig = good;
  tampered_sig[d2 + 10] = tampered_sig[d2 + 10] == 'A' ? 'B' : 'A';
  expect_refused(tampered_sig, "signature does not verify");
  // An ES256 signature checked against the RSA key it claims (kid) is no match either.
  TestKey ec_as_rsa = ec_;
  ec_as_rsa.kid = "rsa-1";
  expect_refused(ec_as_rsa.sign(claims()), "does not publish for ES256");
}

TEST_F(Oidc, AnUnknownKeyIdRefetchesTheKeySetAtMostOncePerInterval) {
  ASSERT_TRUE(auth_->authenticate(rsa_.sign(claims())).ok());
  const TestKey stranger = TestKey::rsa("who-knows");
  now_ += 31;  // (a key set fetched a moment ago is not fetched again at once)
  expect_refused(stranger.sign(claims()), "'who-knows'");
  EXPECT_EQ(auth_->counters().key_set_fetches, 2);  // one refetch, in case of rotation
  for (int i = 0; i < 20; ++i) expect_refused(stranger.sign(claims()), "'who-knows'");
  EXPECT_EQ(auth_->counters().key_set_fetches, 2);  // a flood of made-up kids stays one fetch
  now_ += 31;
  expect_refused(stranger.sign(claims()), "'who-knows'");
  EXPECT_EQ(auth_->counters().key_set_fetches, 3);
}

TEST_F(Oidc, FollowsKeyRotation) {
  ASSERT_TRUE(auth_->authenticate(rsa_.sign(claims())).ok());
  const TestKey next = TestKey::ec("ec-2");
  idp_.published = {next};  // the IdP rotated: old keys retired, a new one published
  now_ += 40;
  auto p = auth_->authenticate(next.sign(claims()));
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(auth_->counters().keys, 1u);
  expect_refused(rsa_.sign(claims()), "'rsa-1'");  // the retired key no longer signs for anyone
}

TEST_F(Oidc, KeysTheVerifierMustNotTrustAreLeftOutOfTheKeySet) {
  const TestKey weak = TestKey::rsa("weak", 1024);
  idp_.published = {weak};
  auto a = make();
  EXPECT_FALSE(a->refresh().ok());  // no usable key at all: said at start
  expect_refused(weak.sign(claims()), "keys are unavailable");
}

TEST_F(Oidc, AGroupThatGrantsNothingIsRefusedAndALocalTokenIsNotItsBusiness) {
  json c = claims();
  c["groups"] = {"show-b-artists"};
  expect_refused(rsa_.sign(c), "no group");
  c.erase("groups");
  expect_refused(rsa_.sign(c), "no group");
  for (const char* other : {"flk_0123456789ab_secret", "a.b", "", "not a token at all"}) {
    auto r = auth_->authenticate(other);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kPermissionDenied) << other;
  }
}

TEST_F(Oidc, DiscoveryMustNameItsOwnIssuer) {
  test::TestIdp liar;
  liar.published = {rsa_};
  OidcOptions o;
  o.issuer = "https://idp.studio.test/realms/other";  // the document says .../main
  o.audience = "framelock";
  o.group_grants = {{"everyone", {*parse_grant("viewer")}}};
  auto a = OidcAuthenticator::create(o, [&](const std::string& url) {
    return liar.serve(url == o.issuer + "/.well-known/openid-configuration"
                          ? liar.issuer + "/.well-known/openid-configuration"
                          : url);
  });
  ASSERT_TRUE(a.ok());
  Status s = (*a)->refresh();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("names issuer"), std::string::npos) << s.message();
  EXPECT_FALSE(
      OidcAuthenticator::create({.issuer = "idp.test", .audience = "x"}, [](const std::string&) {
        return Result<std::string>("");
      }).ok());
  EXPECT_FALSE(OidcAuthenticator::create({.issuer = "https://idp.test", .audience = ""},
                                         [](const std::string&) { return Result<std::string>(""); })
                   .ok());
}

}  // namespace
}  // namespace fl::security
