// Sign-in with the studio's identity provider: JWT access tokens (RFC 9068) checked against the
// IdP's published keys (OpenID Connect Discovery 1.0, JWKS), as one more Authenticator in the
// chain beside local tokens. Signatures are verified by cjose (OpenSSL); this file decides which
// key and which algorithm may be used, and what the claims must say (RFC 8725, JWT best current
// practice): the algorithm comes from our allow-list, never from the token alone.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "security/auth.h"

namespace fl::security {

struct OidcOptions {
  std::string issuer;    // the exact `iss`; discovery lives under it
  std::string audience;  // must be among the token's `aud`
  // The claim that names the caller's groups (an array of strings, or one string), and what each
  // group grants (the policy file's "identity" section). Where two grants meet in a project, the
  // higher role wins.
  std::string roles_claim = "groups";
  std::map<std::string, std::vector<Grant>> group_grants;
  int64_t leeway_s = 60;                // clock skew allowed on exp, nbf and iat
  int64_t keys_max_age_s = 3600;        // the key set is fetched again after this
  int64_t refetch_min_interval_s = 30;  // an unknown `kid` (rotation) refetches at most this often
};

// GET of a URL's body (the discovery document, the key set). Injected so tests serve their own
// documents; http_fetch.h has the one the server uses.
using UrlFetcher = std::function<Result<std::string>(const std::string& url)>;
// Unix seconds; injected so tests can move time.
using Clock = std::function<int64_t()>;
int64_t system_now();  // the Clock when none is injected

// What discovery said, for the page's sign-in (authorization code flow with PKCE).
struct OidcProvider {
  std::string issuer;
  std::string jwks_uri;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string end_session_endpoint;  // may be empty
};

class OidcAuthenticator final : public Authenticator {
 public:
  // Refuses options that cannot work (no issuer or audience, an issuer that is not an absolute
  // http(s) URL). Nothing is fetched yet.
  static Result<std::shared_ptr<OidcAuthenticator>> create(OidcOptions options, UrlFetcher fetch,
                                                           Clock clock = {});
  ~OidcAuthenticator() override;

  // Discovery and the key set, fetched now (the server calls this at start to report the IdP's
  // state). A failure is not fatal: they are fetched again when a token needs them.
  Status refresh();
  Result<OidcProvider> provider();

  // Not a JWT at all: kPermissionDenied (someone else's credential: the chain goes on). A JWT that
  // fails any check: kUnauthenticated naming the check (RFC 6750's error_description).
  Result<Principal> authenticate(std::string_view credential) override;

  struct Counters {
    int discovery_fetches = 0;
    int key_set_fetches = 0;
    size_t keys = 0;  // usable keys held now
  };
  Counters counters() const;

  struct KeySet;  // the IdP's usable signing keys (oidc.cpp)

 private:
  OidcAuthenticator(OidcOptions options, UrlFetcher fetch, Clock clock);
  // Fetches what is missing or stale; `unknown_kid` asks for a refetch (rate-limited) because a
  // token names a key we do not hold.
  Result<std::shared_ptr<const KeySet>> keys(bool unknown_kid);
  Status fetch_locked(int64_t now);

  OidcOptions options_;
  UrlFetcher fetch_;
  Clock clock_;
  mutable std::mutex mu_;
  std::optional<OidcProvider> provider_;
  std::shared_ptr<const KeySet> keys_;
  int64_t keys_fetched_at_ = 0;
  int64_t last_attempt_at_ = 0;
  bool attempted_ = false;
  Counters counters_;
};

}  // namespace fl::security
